"""The dashboard's words that the code names rather than the templates (world regions), and the
dashboard script's words; languages, numbers and place names are shared
(mobilise_runtime.locales), the words themselves are in the shared catalogs."""

from __future__ import annotations

from typing import Any

from mobilise_runtime.catalogs import N_, Nn_, wording
from mobilise_runtime.locales import (
    DEFAULT,
    LOCALES,
    Locale,
    country_name,
    format_number,
    format_share,
    locale_from,
    negotiate,
    region_name,
)

__all__ = [
    "DEFAULT",
    "LOCALES",
    "Locale",
    "country_name",
    "format_number",
    "format_share",
    "locale_from",
    "macro_region_name",
    "negotiate",
    "region_name",
    "script_strings",
]

# UN M49 world regions, as the counter names them.
MACRO_REGIONS = {
    "Africa": N_("Africa"),
    "Americas": N_("Americas"),
    "Asia": N_("Asia"),
    "Europe": N_("Europe"),
    "Oceania": N_("Oceania"),
    "Antarctica": N_("Antarctica"),
    "Unknown": N_("Not given"),
}


def macro_region_name(name: str, locale: Locale) -> str:
    return wording(locale).gettext(MACRO_REGIONS[name]) if name in MACRO_REGIONS else name


PROGRESS = {
    "pledge": Nn_(
        "%(num)s signature towards a goal of %(goal)s",
        "%(num)s signatures towards a goal of %(goal)s",
    ),
    "volunteer": Nn_(
        "%(num)s sign-up towards a goal of %(goal)s",
        "%(num)s sign-ups towards a goal of %(goal)s",
    ),
}


def progress_forms(kind: str, locale: Locale) -> dict[str, str]:
    """The progress sentence by CLDR plural category; "{num}" and "{goal}" for the script."""
    return wording(locale).plural_forms(*PROGRESS[kind], goal="{goal}")


def script_strings(kind: str, locale: Locale) -> dict[str, Any]:
    """What dashboard.js says (it has no words of its own), with "{…}" where it puts values."""
    _ = wording(locale).gettext
    return {
        "progress": progress_forms(kind, locale),
        "percent_of_goal": _("%(percent)s%% of the goal", percent="{percent}"),
        "updated": _("Updated %(time)s", time="{time}"),
        "live": _("Live"),
        "reconnecting": _("Connection lost, trying again…"),
        "per_minute": _("Signatures per minute"),
        "per_hour": _("Signatures per hour"),
        "chart_summary": {
            "minute": _(
                "Signatures over the period: %(total)s; at most %(peak)s in one minute.",
                total="{total}",
                peak="{peak}",
            ),
            "hour": _(
                "Signatures over the period: %(total)s; at most %(peak)s in one hour.",
                total="{total}",
                peak="{peak}",
            ),
        },
    }
