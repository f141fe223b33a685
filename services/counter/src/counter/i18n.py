"""The dashboard's languages: which one a request gets (as the signup pages choose), every
string the pages show in both, and the names of countries and regions in each."""

from __future__ import annotations

import gettext
from functools import cache
from typing import Literal, get_args

import pycountry
from starlette.requests import Request

Locale = Literal["fr", "en"]
LOCALES: tuple[Locale, ...] = get_args(Locale)
DEFAULT: Locale = "fr"
AUTONYMS: dict[Locale, str] = {"fr": "Français", "en": "English"}
_MAX_ACCEPT_LANGUAGE = 512  # a longer header is not a browser's: only its start is read


def negotiate(request: Request) -> Locale:
    """`?lang=` (the switcher) first, then Accept-Language, then French."""
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
    # French groups digits with a narrow no-break space (as Intl.NumberFormat does in the page).
    return grouped.replace(",", "\u202f") if locale == "fr" else grouped


def format_percent(value: float, locale: Locale) -> str:
    if locale == "fr":
        return f"{value:.1f}".replace(".", ",") + "\u202f%"
    return f"{value:.1f}%"


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


def macro_region_name(name: str, locale: Locale) -> str:
    return STRINGS[locale].get(f"macro_{name}", name)


STRINGS: dict[Locale, dict[str, str]] = {
    "fr": {
        "site_name": "mobilise",
        "skip_to_content": "Aller au contenu",
        "language": "Langue",
        "dashboard": "Tableau de bord",
        "footer_text": "Chiffres agrégés, sans aucune donnée personnelle.",
        "signed_pledge": "Signatures",
        "signed_volunteer": "Inscriptions",
        "confirmed": "Confirmées",
        "volunteers": "Bénévoles",
        "goal": "Objectif",
        "progress_pledge": "{signed} signatures sur un objectif de {goal}",
        "progress_pledge_one": "{signed} signature sur un objectif de {goal}",
        "progress_volunteer": "{signed} inscriptions sur un objectif de {goal}",
        "progress_volunteer_one": "{signed} inscription sur un objectif de {goal}",
        "percent_of_goal": "{percent} % de l'objectif",
        "updated": "Mis à jour le {time}",
        "never_updated": "Aucune signature comptée pour l'instant.",
        "live": "En direct",
        "reconnecting": "Connexion perdue, nouvelle tentative…",
        "chart_heading": "Au fil du temps",
        "range_hour": "Dernière heure",
        "range_day": "Dernières 24 heures",
        "per_minute": "Signatures par minute",
        "per_hour": "Signatures par heure",
        "chart_summary": (
            "Signatures sur la période\u00a0: {total}\u00a0; au plus {peak} en une {unit}."
        ),
        "unit_minute": "minute",
        "unit_hour": "heure",
        "chart_needs_js": "Le graphique s'affiche avec JavaScript.",
        "by_macro_region": "Par grande région",
        "by_country": "Par pays",
        "by_region": "Par région",
        "partners": "Partenaires",
        "col_macro_region": "Grande région",
        "col_country": "Pays",
        "col_region": "Région",
        "col_partner": "Partenaire",
        "col_rank": "Rang",
        "col_share": "Part",
        "nothing_yet": "Rien pour l'instant.",
        "macro_Africa": "Afrique",
        "macro_Americas": "Amériques",
        "macro_Asia": "Asie",
        "macro_Europe": "Europe",
        "macro_Oceania": "Océanie",
        "macro_Antarctica": "Antarctique",
        "macro_Unknown": "Non précisée",
        "not_found_title": "Campagne introuvable",
        "not_found_text": "Aucune campagne ne porte cette adresse. Vérifiez le lien.",
        "unavailable_title": "Momentanément indisponible",
        "unavailable_text": "Les chiffres ne peuvent pas être lus pour l'instant. "
        "Réessayez dans quelques secondes.",
    },
    "en": {
        "site_name": "mobilise",
        "skip_to_content": "Skip to content",
        "language": "Language",
        "dashboard": "Dashboard",
        "footer_text": "Aggregate figures, without any personal data.",
        "signed_pledge": "Signatures",
        "signed_volunteer": "Sign-ups",
        "confirmed": "Confirmed",
        "volunteers": "Volunteers",
        "goal": "Goal",
        "progress_pledge": "{signed} signatures towards a goal of {goal}",
        "progress_pledge_one": "{signed} signature towards a goal of {goal}",
        "progress_volunteer": "{signed} sign-ups towards a goal of {goal}",
        "progress_volunteer_one": "{signed} sign-up towards a goal of {goal}",
        "percent_of_goal": "{percent}% of the goal",
        "updated": "Updated {time}",
        "never_updated": "No signature counted yet.",
        "live": "Live",
        "reconnecting": "Connection lost, trying again…",
        "chart_heading": "Over time",
        "range_hour": "Last hour",
        "range_day": "Last 24 hours",
        "per_minute": "Signatures per minute",
        "per_hour": "Signatures per hour",
        "chart_summary": "Signatures over the period: {total}; at most {peak} in one {unit}.",
        "unit_minute": "minute",
        "unit_hour": "hour",
        "chart_needs_js": "The chart needs JavaScript.",
        "by_macro_region": "By world region",
        "by_country": "By country",
        "by_region": "By region",
        "partners": "Partners",
        "col_macro_region": "World region",
        "col_country": "Country",
        "col_region": "Region",
        "col_partner": "Partner",
        "col_rank": "Rank",
        "col_share": "Share",
        "nothing_yet": "Nothing yet.",
        "macro_Africa": "Africa",
        "macro_Americas": "Americas",
        "macro_Asia": "Asia",
        "macro_Europe": "Europe",
        "macro_Oceania": "Oceania",
        "macro_Antarctica": "Antarctica",
        "macro_Unknown": "Not given",
        "not_found_title": "Campaign not found",
        "not_found_text": "No campaign has this address. Please check the link.",
        "unavailable_title": "Temporarily unavailable",
        "unavailable_text": "The figures cannot be read just now. Try again in a few seconds.",
    },
}
