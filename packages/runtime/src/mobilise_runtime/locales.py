"""The two languages of every page (fr, en): which one a request gets, numbers and place names
in each. The pages' own strings live with each service."""

from __future__ import annotations

import gettext
import unicodedata
from functools import cache
from typing import Literal, get_args

import pycountry
from starlette.requests import Request

Locale = Literal["fr", "en"]
LOCALES: tuple[Locale, ...] = get_args(Locale)
DEFAULT: Locale = "fr"
# Each language is named in itself, whatever the page's language.
AUTONYMS: dict[Locale, str] = {"fr": "Français", "en": "English"}
# A header longer than this is not a browser's: only its start is read.
_MAX_ACCEPT_LANGUAGE = 512


def negotiate(request: Request) -> Locale:
    """`?lang=` (the switcher) first, then the browser's Accept-Language, then French."""
    return locale_from(request.query_params.get("lang"), request.headers.get("accept-language"))


def locale_from(lang: str | None, accept_language: str | None) -> Locale:
    chosen = _known(lang)
    if chosen is not None:
        return chosen
    ranked: list[tuple[float, int, Locale]] = []
    for position, item in enumerate((accept_language or "")[:_MAX_ACCEPT_LANGUAGE].split(",")):
        tag, *params = item.split(";")
        primary = _known(tag.strip().lower().split("-")[0])
        if primary is None:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if 0 < quality <= 1:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else DEFAULT


def _known(tag: str | None) -> Locale | None:
    return next((locale for locale in LOCALES if locale == tag), None)


def format_number(value: int, locale: Locale) -> str:
    grouped = f"{value:,}"
    # French groups digits with a narrow no-break space (as Intl.NumberFormat does in pages).
    return grouped.replace(",", "\u202f") if locale == "fr" else grouped


@cache
def _catalogue(domain: str, locale: Locale) -> gettext.NullTranslations:
    # pycountry's names are English; other languages come from its gettext catalogues.
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[locale], fallback=True)


def country_name(code: str, locale: Locale) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return _catalogue("iso3166-1", locale).gettext(country.name) if country else code


def region_name(code: str, locale: Locale) -> str:
    region = pycountry.subdivisions.get(code=code)  # type: ignore[no-untyped-call]
    return _catalogue("iso3166-2", locale).gettext(region.name) if region else code


@cache
def countries(locale: Locale) -> tuple[tuple[str, str], ...]:
    """Every ISO 3166-1 country as (alpha-2, name in `locale`), in alphabetical order."""
    catalogue = _catalogue("iso3166-1", locale)
    pairs = [(c.alpha_2, catalogue.gettext(c.name)) for c in pycountry.countries]
    return tuple(sorted(pairs, key=lambda pair: _sort_key(pair[1])))


def _sort_key(name: str) -> str:
    # "Égypte" sorts with the E's, as a reader expects.
    decomposed = unicodedata.normalize("NFD", name.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
