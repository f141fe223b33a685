"""ISO 3166 codes: countries (3166-1 alpha-2) and their subdivisions (3166-2)."""

from __future__ import annotations

import pycountry


class UnknownRegion(ValueError):
    pass


def country_code(raw: str) -> str:
    code = raw.strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise UnknownRegion(f"{raw!r} is not an ISO 3166-1 alpha-2 country code")
    return code


def region_code(raw: str, country: str) -> str:
    """An ISO 3166-2 subdivision code that belongs to `country`, e.g. FR-IDF, SN-DK."""
    code = raw.strip().upper()
    subdivision = pycountry.subdivisions.get(code=code)  # type: ignore[no-untyped-call]
    if subdivision is None:
        raise UnknownRegion(f"{raw!r} is not an ISO 3166-2 subdivision code")
    if subdivision.country_code != country:
        raise UnknownRegion(f"{code} is not a subdivision of {country}")
    return code
