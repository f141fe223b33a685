"""The campaign form's fields ↔ the signup API's JSON (pure): names of the form's fields are the
API's field paths (title.fr, goal, …), so that the API's errors land next to their field."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from mobilise_runtime.locales import DEFAULT, LOCALES

# The organiser's texts, one field per language and text (title.fr, consent.ar, …).
LOCALISED = ("title", "description", "consent")
TEXT_FIELDS = (
    "slug",
    "kind",
    *(f"{text}.{locale}" for text in LOCALISED for locale in LOCALES),
    "fallback_locale",
    "goal",
    "countries",
    "opens_at",
    "closes_at",
    "consent_version",
    "consent.version",
)


def localised(values: Mapping[str, str], text: str) -> dict[str, str]:
    """The languages the organiser wrote `text` in (a language left empty is not given: its
    readers get the fallback language's)."""
    return {
        locale: values[f"{text}.{locale}"] for locale in LOCALES if values.get(f"{text}.{locale}")
    }


def form_values(form: Mapping[str, Any]) -> dict[str, str]:
    values = {name: str(form.get(name) or "").strip() for name in TEXT_FIELDS}
    values["double_opt_in"] = "on" if form.get("double_opt_in") else ""
    return values


def consent_body(values: Mapping[str, str]) -> dict[str, Any] | None:
    """A new consent text when the form names one; None: an existing one was chosen."""
    if not values.get("consent.version"):
        return None
    return {"version": values["consent.version"], "text": localised(values, "consent")}


def _instant(value: str) -> str | None:
    """A datetime-local field (no zone) read as UTC."""
    if not value:
        return None
    return datetime.fromisoformat(value).replace(tzinfo=UTC).isoformat()


def campaign_body(values: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The API's body, and the errors the API could not place itself (unparseable numbers,
    dates)."""
    errors: dict[str, str] = {}
    goal: Any = values.get("goal", "")
    if goal.isdigit():
        goal = int(goal)
    else:
        errors["goal"] = "a whole number"
    dates: dict[str, str | None] = {}
    for name in ("opens_at", "closes_at"):
        try:
            dates[name] = _instant(values.get(name, ""))
        except ValueError:
            errors[name] = "a date and time"
    countries = [c.strip().upper() for c in values.get("countries", "").replace(",", " ").split()]
    body = {
        "slug": values.get("slug", ""),
        "kind": values.get("kind") or "pledge",
        "title": localised(values, "title"),
        "description": localised(values, "description"),
        "fallback_locale": values.get("fallback_locale") or DEFAULT,
        "goal": goal,
        "countries": countries,
        "double_opt_in": bool(values.get("double_opt_in")),
        "consent_text_versions": [values["consent_version"]]
        if values.get("consent_version")
        else [],
        **{k: v for k, v in dates.items() if v is not None},
    }
    return body, errors


def values_of(campaign: Mapping[str, Any]) -> dict[str, str]:
    """A campaign as the API gives it, as the form's values (for editing)."""

    def local(value: Any) -> str:
        # datetime-local shows UTC without its zone.
        return str(value)[:16] if value else ""

    versions = campaign.get("consent_text_versions") or []
    return {
        "slug": campaign["slug"],
        "kind": campaign["kind"],
        **{f"title.{locale}": campaign["title"].get(locale, "") for locale in LOCALES},
        **{f"description.{locale}": campaign["description"].get(locale, "") for locale in LOCALES},
        "fallback_locale": campaign.get("fallback_locale") or DEFAULT,
        "goal": str(campaign["goal"]),
        "countries": " ".join(campaign.get("countries") or []),
        "double_opt_in": "on" if campaign.get("double_opt_in") else "",
        "opens_at": local(campaign.get("opens_at")),
        "closes_at": local(campaign.get("closes_at")),
        "consent_version": versions[-1] if versions else "",
    }


def patch_body(body: Mapping[str, Any]) -> dict[str, Any]:
    """The create body as a change: slug and kind never change; cleared dates become null."""
    patch = {k: v for k, v in body.items() if k not in ("slug", "kind")}
    for name in ("opens_at", "closes_at"):
        patch.setdefault(name, None)
    return patch
