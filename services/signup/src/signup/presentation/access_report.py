"""The access request as a document for the supporter (GDPR art. 15): the same data as the JSON
export, as one self-contained HTML file (its style inline, no script, no link it needs) that an
admin can send on. Each part names its source — the service that holds it — and every time is
shown in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from mobilise_runtime.locales import Locale
from signup.domain.campaigns import Campaign
from signup.presentation.access_report_text import EN, TEXT
from signup.schemas.supporters import SupporterExportOut

TEMPLATES = Path(__file__).parent.parent / "templates"
_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True))
# Fields that are keys of other records or internal ids: they say nothing to the supporter.
HIDDEN = frozenset({"campaign_id", "campaign_slug", "signup_id", "source", "generated_at"})


def language(export: SupporterExportOut, asked: Locale | None) -> Locale:
    """The one asked for, else the language of the person's latest signature, else English."""
    if asked is not None:
        return asked
    latest = max(export.records, key=lambda r: r.signed_at, default=None)
    return latest.locale if latest is not None else "en"


def render_report(
    export: SupporterExportOut,
    *,
    campaigns: dict[str, Campaign],
    locale: Locale,
    charter_url: str,
) -> str:
    t = TEXT.get(locale, EN)

    def when(value: Any) -> str:
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                return str(value)
        if isinstance(value, datetime):
            moment = value if value.tzinfo else value.replace(tzinfo=UTC)
            return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        return "" if value is None else str(value)

    def shown(value: Any) -> str:
        if isinstance(value, bool):
            return t["yes"] if value else t["no"]
        if isinstance(value, list):
            return ", ".join(shown(v) for v in value)
        if isinstance(value, dict):
            return t["separator"].join(
                t["labelled"].format(label=t.get(k, k), value=shown(v)) for k, v in value.items()
            )
        if isinstance(value, str | datetime) and _is_time(value):
            return when(value)
        return "" if value is None else str(value)

    def campaign(campaign_id: str | None, slug: str | None = None) -> str:
        found = campaigns.get(campaign_id or "")
        if found is not None:
            return f"{found.title.get(locale)} ({found.slug})"
        return slug or campaign_id or t["scope_all"]

    def fields(doc: dict[str, Any], *skip: str) -> list[tuple[str, str]]:
        return [
            (t.get(k, k), t.get(f"kind_{v}", v) if k == "kind" else shown(v))
            for k, v in doc.items()
            if k not in HIDDEN and k not in skip and v not in (None, [], {})
        ]

    template = _env.get_template("access_report.html")
    return template.render(
        t=t,
        locale=locale,
        export=export,
        records=[r.model_dump() for r in export.records],
        mailer=export.mailer,
        generated_at=when(export.generated_at),
        when=when,
        shown=shown,
        campaign=campaign,
        fields=fields,
        charter_url=charter_url,
    )


def _is_time(value: str | datetime) -> bool:
    if isinstance(value, datetime):
        return True
    # ISO times as the mailer's JSON gives them: "2026-03-08T09:30:00Z" and the like.
    return len(value) >= 19 and value[4] == "-" and value[10] == "T"
