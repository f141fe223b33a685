"""The console's languages: gettext catalogs managed by Babel (locales/<lang>/LC_MESSAGES/
messages.po, extracted with babel.cfg), read at start; templates use the Jinja i18n extension."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from fastapi import Request

from mobilise_runtime.locales import Locale, locale_from

LOCALES_DIR = Path(__file__).parent / "locales"
COOKIE = "mobilise_console_lang"
# The languages the console's catalogs have so far (the supporters' pages have more).
LOCALES: tuple[Locale, ...] = ("fr", "en")


@cache
def translations(locale: Locale) -> Translations:
    """The catalog of `locale`, compiled in memory (no .mo file to build or to forget)."""
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=locale)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain="messages")


def negotiate(request: Request) -> Locale:
    """?lang= first, then the language chosen before (a cookie), then Accept-Language."""
    chosen = locale_from(
        request.query_params.get("lang") or request.cookies.get(COOKIE),
        request.headers.get("accept-language"),
    )
    # Another language of the pages, not yet the console's: English, its source language.
    return chosen if chosen in LOCALES else "en"


__all__ = ["LOCALES", "Locale", "negotiate", "translations"]
