"""The pages' languages: which one a request gets, and what every language shares (numbers,
place names), from mobilise_runtime.locales; the words are in the shared gettext catalogs
(mobilise_runtime.catalogs), the ones the code names in signup.presentation.wording."""

from __future__ import annotations

from mobilise_runtime.catalogs import Wording, wording
from mobilise_runtime.locales import (
    DEFAULT,
    LOCALES,
    Locale,
    countries,
    format_number,
    locale_from,
    negotiate,
    regions,
)

__all__ = [
    "DEFAULT",
    "LOCALES",
    "Locale",
    "Wording",
    "countries",
    "format_number",
    "locale_from",
    "negotiate",
    "regions",
    "wording",
]
