"""The pages' languages: which one a request gets, and every string the pages show, in both.

Templates receive `t` (this locale's strings) and `locale`; they hold no text of their own."""

from __future__ import annotations

from mobilise_runtime.locales import (
    AUTONYMS,
    DEFAULT,
    LOCALES,
    Locale,
    countries,
    format_number,
    locale_from,
    negotiate,
)
from signup.locales import en, fr

__all__ = [
    "AUTONYMS",
    "DEFAULT",
    "LOCALES",
    "STRINGS",
    "Locale",
    "countries",
    "format_number",
    "locale_from",
    "negotiate",
]

STRINGS: dict[Locale, dict[str, str]] = {"fr": fr.STRINGS, "en": en.STRINGS}
