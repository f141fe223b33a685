"""UN M49 macro-regions (Africa, Americas, Asia, Europe, Oceania) of the ISO 3166-1 countries.

Antarctica belongs to none of them and is kept apart. Data: the UN Statistics Division's M49
standard, as public fact; one line per region, countries in alphabetical order."""

from __future__ import annotations

_REGIONS: dict[str, str] = {
    "Africa": (
        "AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EG EH ER ET GA GH GM GN GQ GW IO KE KM LR "
        "LS LY MA MG ML MR MU MW MZ NA NE NG RE RW SC SD SH SL SN SO SS ST SZ TD TF TG TN "
        "TZ UG YT ZA ZM ZW"
    ),
    "Americas": (
        "AG AI AR AW BB BL BM BO BQ BR BS BZ CA CL CO CR CU CW DM DO EC FK GD GF GL GP GT "
        "GY HN HT JM KN KY LC MF MQ MS MX NI PA PE PM PR PY SR SV SX TC TT US UY VC VE VG "
        "VI"
    ),
    "Asia": (
        "AE AF AM AZ BD BH BN BT CC CN CX CY GE HK ID IL IN IQ IR JO JP KG KH KP KR KW KZ "
        "LA LB LK MM MN MO MV MY NP OM PH PK PS QA SA SG SY TH TJ TL TM TR TW UZ VN YE"
    ),
    "Europe": (
        "AD AL AT AX BA BE BG BY CH CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS IT "
        "JE LI LT LU LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SJ SK SM UA VA"
    ),
    "Oceania": ("AS AU CK FJ FM GU KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TO TV UM VU WF WS"),
    "Antarctica": ("AQ BV GS HM"),
}

MACRO_REGION: dict[str, str] = {
    country: region for region, countries in _REGIONS.items() for country in countries.split()
}


def macro_region(country: str) -> str:
    return MACRO_REGION.get(country, "Unknown")
