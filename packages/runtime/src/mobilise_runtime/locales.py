"""The languages of every page and email: which ones exist, which one a request gets, and numbers,
dates and place names in each (Babel's CLDR data, pycountry's translations). The words themselves
are in gettext catalogs (mobilise_runtime.catalogs)."""

from __future__ import annotations

import gettext
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, get_args

import babel
import pycountry
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from mobilise_events.models import Locale as Locale

if TYPE_CHECKING:
    # For annotations only: the consumers and workers import this module for the languages of
    # emails, and must not load the web stack (a cold start's seconds, megabytes of memory).
    from starlette.requests import Request

# The languages are configured where the events carry them (mobilise_events.models.Locale).
LOCALES: tuple[Locale, ...] = get_args(Locale)
DEFAULT: Locale = "fr"
# English is the catalogs' source language: its words are the msgids, it needs no catalog.
SOURCE: Locale = "en"
# A header longer than this is not a browser's: only its start is read.
_MAX_ACCEPT_LANGUAGE = 512


@cache
def cldr_locale(locale: str) -> babel.Locale:
    return babel.Locale.parse(locale)


def autonym(locale: Locale) -> str:
    """The language named in itself, whatever the page's language ("العربية", "Română")."""
    name = cldr_locale(locale).get_display_name(locale) or locale
    return name[:1].upper() + name[1:]


def direction(locale: str) -> Literal["ltr", "rtl"]:
    return "rtl" if cldr_locale(locale).character_order == "right-to-left" else "ltr"


def known(tag: str | None) -> Locale | None:
    """`tag` if it is one of our languages (or a regional variant of one: "ar-MA" is "ar")."""
    primary = (tag or "").strip().lower().replace("_", "-").split("-")[0]
    return next((locale for locale in LOCALES if locale == primary), None)


def negotiate(request: Request) -> Locale:
    """`?lang=` (the switcher) first, then the browser's Accept-Language, then French."""
    return locale_from(request.query_params.get("lang"), request.headers.get("accept-language"))


def locale_from(lang: str | None, accept_language: str | None) -> Locale:
    # The switcher's values are exactly the codes of LOCALES.
    chosen = next((locale for locale in LOCALES if locale == lang), None)
    if chosen is not None:
        return chosen
    ranked: list[tuple[float, int, Locale]] = []
    for position, item in enumerate((accept_language or "")[:_MAX_ACCEPT_LANGUAGE].split(",")):
        tag, *params = item.split(";")
        primary = known(tag)
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


# Latin digits in every language: the Maghreb writes them, and the pages' scripts
# (Intl.NumberFormat with the "latn" numbering) show the same digits as the server.
_NUMBERING = "latn"


def format_number(value: int | float, locale: str) -> str:
    return format_decimal(value, locale=locale, numbering_system=_NUMBERING)


def format_share(percent: float, locale: str) -> str:
    """A percentage (0 to 100) with one decimal, as the language writes it ("12,5 %", "12.5%")."""
    # The language's own pattern ("#,##0 %" in French), with one decimal.
    pattern = cldr_locale(locale).percent_formats[None].pattern.replace("#,##0", "#,##0.0")
    return format_percent(percent / 100, pattern, locale=locale, numbering_system=_NUMBERING)


def format_day(day: date, locale: str) -> str:
    return format_date(day, format="long", locale=locale)


@cache
def _catalogue(domain: str, locale: str) -> gettext.NullTranslations:
    # pycountry's names are English; other languages come from its gettext catalogues.
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[locale], fallback=True)


def country_name(code: str, locale: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return _catalogue("iso3166-1", locale).gettext(country.name) if country else code


def region_name(code: str, locale: str) -> str:
    region = pycountry.subdivisions.get(code=code)  # type: ignore[no-untyped-call]
    return _catalogue("iso3166-2", locale).gettext(region.name) if region else code


@cache
def countries(locale: str) -> tuple[tuple[str, str], ...]:
    """Every ISO 3166-1 country as (alpha-2, name in `locale`), in alphabetical order."""
    catalogue = _catalogue("iso3166-1", locale)
    pairs = [(c.alpha_2, catalogue.gettext(c.name)) for c in pycountry.countries]
    return tuple(sorted(pairs, key=lambda pair: _sort_key(pair[1])))


@cache
def regions(country: str, locale: str) -> tuple[tuple[str, str], ...]:
    """The ISO 3166-2 subdivisions of `country` as (code, name in `locale`), alphabetical; empty
    for a country without any (or an unknown code)."""
    catalogue = _catalogue("iso3166-2", locale)
    try:
        found = pycountry.subdivisions.get(country_code=country.upper()) or ()  # type: ignore[no-untyped-call]
    except LookupError:
        found = ()
    pairs = [(s.code, catalogue.gettext(s.name)) for s in found]
    return tuple(sorted(pairs, key=lambda pair: _sort_key(pair[1])))


def _sort_key(name: str) -> str:
    # "Égypte" sorts with the E's, as a reader expects.
    decomposed = unicodedata.normalize("NFD", name.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class Shown:
    """An organiser's text as a reader gets it: in their language if it was given in it, in
    the campaign's fallback language otherwise (`lang` says which, for the page to mark)."""

    text: str
    lang: str

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)


def shown(texts: Mapping[Any, str], locale: str, fallback: str) -> Shown:
    for language in (locale, fallback, *texts):
        if texts.get(language):
            return Shown(texts[language], language)
    return Shown("", locale)
