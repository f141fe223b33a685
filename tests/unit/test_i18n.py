"""Which language a page is in, and the strings and country names it is written with."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from signup.presentation.i18n import countries, format_number, locale_from, negotiate, regions


@pytest.mark.parametrize(
    ("lang", "accept_language", "expected"),
    [
        (None, None, "fr"),
        (None, "", "fr"),
        (None, "en", "en"),
        (None, "en-GB,en;q=0.9", "en"),
        (None, "fr-CA", "fr"),
        (None, "de-DE,de;q=0.9,en;q=0.8,fr;q=0.7", "en"),
        (None, "fr;q=0.4, en;q=0.8", "en"),
        (None, "EN-us", "en"),
        (None, "de, es", "fr"),  # neither: the default
        (None, "en;q=0, de", "fr"),  # q=0 means "not this one"
        (None, "en;q=abc, fr;q=0.2", "fr"),  # a malformed q counts as 0
        (None, "*", "fr"),
        (None, "en;q=0.5, fr;q=0.5", "en"),  # a tie: the first listed
        ("en", "fr", "en"),  # the switcher wins over the browser
        ("fr", "en", "fr"),
        ("de", "en", "en"),  # an unknown ?lang= is ignored
        ("EN", None, "fr"),  # the switcher's values are exactly the languages' codes
        (None, "ar-MA,ar;q=0.9,fr;q=0.8", "ar"),
        (None, "ro-RO", "ro"),
        ("ar", "fr", "ar"),
        ("ro", None, "ro"),
    ],
)
def test_locale_from(lang: str | None, accept_language: str | None, expected: str) -> None:
    assert locale_from(lang, accept_language) == expected


def _request(query: str, accept_language: str | None) -> Request:
    headers = [(b"accept-language", accept_language.encode())] if accept_language else []
    return Request(
        {"type": "http", "method": "GET", "path": "/c/x", "query_string": query.encode(),
         "headers": headers}
    )  # fmt: skip


def test_negotiate_reads_the_query_then_the_header() -> None:
    assert negotiate(_request("", None)) == "fr"
    assert negotiate(_request("", "en-US,en;q=0.9")) == "en"
    assert negotiate(_request("lang=fr", "en-US,en;q=0.9")) == "fr"
    assert negotiate(_request("status=accepted&lang=en", "fr")) == "en"


def test_a_huge_header_is_read_only_in_part() -> None:
    assert locale_from(None, "de," * 10_000 + "en") == "fr"


def test_numbers_are_grouped_as_each_language_writes_them() -> None:
    assert format_number(12345, "en") == "12,345"
    assert format_number(1234567, "fr") == "1\u202f234\u202f567"
    assert format_number(999, "fr") == "999"


def test_countries_are_named_in_the_page_language_in_reading_order() -> None:
    french = dict(countries("fr"))
    english = dict(countries("en"))
    assert french["SN"] == "Sénégal"
    assert english["SN"] == "Senegal"
    assert french["GB"] == "Royaume-Uni"
    assert french.keys() == english.keys()
    assert len(french) == 249
    names = [name for _, name in countries("fr")]
    # Accents do not send a country to the end of the list.
    assert names.index("Égypte") < names.index("Espagne") < names.index("Fidji")


def test_regions_are_a_countrys_subdivisions_in_reading_order() -> None:
    senegal = regions("SN", "fr")
    assert senegal[0] == ("SN-DK", "Dakar")
    assert all(code.startswith("SN-") for code, _ in senegal)
    assert ("FR-IDF", "Île-de-France") in regions("fr", "fr")
    romanian = [name for _, name in regions("RO", "ro")]
    assert romanian.index("Argeș") < romanian.index("Bacău")  # ș sorts with the s's
    assert regions("ZZ", "fr") == ()
    assert regions("", "fr") == ()
