"""The console's language: any of mobilise_runtime.locales.LOCALES, its words from the shared
catalogs (mobilise_runtime.catalogs: `make messages` extracts the console's words with every
other page's). `?lang=` (the switch) first, then the language chosen before (a cookie), then the
browser's Accept-Language."""

from __future__ import annotations

from fastapi import Request

from mobilise_runtime.locales import LOCALES, Locale, locale_from

COOKIE = "mobilise_console_lang"


def negotiate(request: Request) -> Locale:
    return locale_from(
        request.query_params.get("lang") or request.cookies.get(COOKIE),
        request.headers.get("accept-language"),
    )


__all__ = ["COOKIE", "LOCALES", "Locale", "negotiate"]
