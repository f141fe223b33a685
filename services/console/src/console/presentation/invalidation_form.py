"""The invalidation form's fields ↔ the signup API's filter JSON (pure). The fields are named as
the API's filter, so that its objections land next to their field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

FILTER_FIELDS = ("email_domain", "network", "partner", "signed_from", "signed_until")
TIMES = ("signed_from", "signed_until")


def filter_values(form: Mapping[str, Any]) -> dict[str, str]:
    return {name: str(form.get(name) or "").strip() for name in FILTER_FIELDS}


def filter_body(values: Mapping[str, str]) -> dict[str, str]:
    """The API's filter, empty fields left out (none at all: the API says what is missing)."""
    body: dict[str, str] = {}
    for name in FILTER_FIELDS:
        value = values.get(name, "")
        if not value:
            continue
        if name in TIMES:
            # A datetime-local field has no zone: the form says UTC.
            if len(value) == 16 and value[10] == "T":
                value += ":00"
            body[name] = value if value.endswith("Z") else value + "Z"
        else:
            body[name] = value
    return body


def field_errors(fields: Mapping[str, str]) -> dict[str, str]:
    """The API's field paths (`filter.network` when applying) as the form's names."""
    return {name.removeprefix("filter."): message for name, message in fields.items()}


def criteria(filter_: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A recorded filter as (field, value) pairs in the form's order, for the list."""
    return [(name, str(filter_[name])) for name in FILTER_FIELDS if filter_.get(name)]
