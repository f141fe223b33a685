"""The signup service's pure rules: emails, ISO 3166 codes, free text, supporter keys and a
campaign's acceptance rules. No I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet

from mobilise_runtime.errors import Rejected
from signup.domain.campaigns import Campaign, Localised
from signup.domain.emails import InvalidEmail, canonical_email, parse_email
from signup.domain.errors import Closed, NotOpenYet
from signup.domain.regions import UnknownRegion, country_code, region_code
from signup.domain.supporters import supporter_key
from signup.domain.text import InvalidText, clean_name, spreadsheet_safe


def new_key() -> str:
    return Fernet.generate_key().decode()


# Emails -----------------------------------------------------------------------------------------


def test_email_domain_is_lower_cased_and_mailbox_kept() -> None:
    email = parse_email("  Awa.Diop@Example.ORG ")
    assert email.address == "Awa.Diop@example.org"
    assert email.canonical == "awa.diop@example.org"
    assert str(email) == email.address


def test_same_person_whatever_the_case_has_one_canonical_form() -> None:
    forms = ["awa@example.org", "AWA@EXAMPLE.ORG", "Awa@Example.Org", " awa@example.org\n"]
    assert {canonical_email(f) for f in forms} == {"awa@example.org"}


def test_non_ascii_mailbox_is_lower_cased_in_the_canonical_form() -> None:
    email = parse_email("Élodie@Example.org")
    assert email.address == "Élodie@example.org"
    assert email.canonical == "élodie@example.org"


def test_idn_domain_keeps_unicode_to_write_to_and_ascii_to_dedupe() -> None:
    unicode_form = parse_email("user@BÜCHER.de")
    assert unicode_form.address == "user@bücher.de"
    assert unicode_form.canonical == "user@xn--bcher-kva.de"
    # The punycode spelling of the same domain is the same person.
    assert parse_email("User@xn--bcher-kva.de").canonical == unicode_form.canonical


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("no-at-sign", "must have an @-sign"),
        ("awa@@example.org", "invalid characters"),
        ("awa diop@example.org", "invalid characters before the @-sign"),
        ("awa@localhost", "should have a period"),
        ("awa@", "There must be something after the @-sign"),
        ("@example.org", "There must be something before the @-sign"),
        ("awa@" + "a" * 250 + ".org", "too long"),
        ("", "must have an @-sign"),
    ],
)
def test_invalid_email_syntax_is_refused(raw: str, reason: str) -> None:
    with pytest.raises(InvalidEmail, match=reason):
        parse_email(raw)


def test_invalid_email_is_a_value_error_so_pydantic_reports_it_as_422() -> None:
    assert issubclass(InvalidEmail, ValueError)


# ISO 3166 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"), [("FR", "FR"), ("fr", "FR"), (" sn ", "SN"), ("Ci", "CI")]
)
def test_country_codes_are_upper_cased(raw: str, code: str) -> None:
    assert country_code(raw) == code


@pytest.mark.parametrize("raw", ["ZZ", "zz", "FRA", "F", "", "UK", "EU", "12"])
def test_unknown_country_is_refused(raw: str) -> None:
    with pytest.raises(UnknownRegion, match="is not an ISO 3166-1 alpha-2 country code"):
        country_code(raw)


@pytest.mark.parametrize(
    ("raw", "country", "code"),
    [("FR-IDF", "FR", "FR-IDF"), ("fr-idf", "FR", "FR-IDF"), ("sn-dk", "SN", "SN-DK")],
)
def test_region_codes_are_upper_cased(raw: str, country: str, code: str) -> None:
    assert region_code(raw, country) == code


def test_region_must_belong_to_the_country() -> None:
    with pytest.raises(UnknownRegion, match="SN-DK is not a subdivision of FR"):
        region_code("sn-dk", "FR")


@pytest.mark.parametrize("raw", ["FR-XXX", "XX-YY", "FR", "IDF", "FR-"])
def test_unknown_region_is_refused(raw: str) -> None:
    with pytest.raises(UnknownRegion, match="is not an ISO 3166-2 subdivision code"):
        region_code(raw, "FR")


# Free text --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Awa", "Awa"),
        ("  Awa   Marie \t Diop  ", "Awa Marie Diop"),
        ("Awa\nMarie", "Awa Marie"),
        ("Zoe\u0301", "Zoé"),  # decomposed accent: NFC makes one character
        ("Nguyễn Thị", "Nguyễn Thị"),
    ],
)
def test_names_are_normalised_and_whitespace_collapsed(raw: str, clean: str) -> None:
    assert clean_name(raw) == clean


@pytest.mark.parametrize(
    "raw",
    [
        "Awa\x00",
        "A\x07wa",
        "A\x7fwa",
        "Awa\u200b",  # zero-width space (a format character)
        "Awa\u202egnp.exe",  # right-to-left override
        "\ue000Awa",  # private use
    ],
)
def test_control_and_format_characters_are_refused(raw: str) -> None:
    with pytest.raises(InvalidText, match="contains control characters"):
        clean_name(raw)


@pytest.mark.parametrize("raw", ["<script>", "Awa <b>", "a>b", "<"])
def test_angle_brackets_are_refused(raw: str) -> None:
    with pytest.raises(InvalidText, match="may not contain < or >"):
        clean_name(raw)


@pytest.mark.parametrize(
    "value",
    ['=HYPERLINK("http://x")', "+33 6 12", "-1+1", "@SUM(A1)", "\tcmd", "\rcmd", "\ncmd"],
)
def test_spreadsheet_formula_starts_are_prefixed(value: str) -> None:
    assert spreadsheet_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["Awa", "", "a=b", "awa@example.org", "2026-01-01T00:00:00"])
def test_ordinary_cells_are_unchanged(value: str) -> None:
    assert spreadsheet_safe(value) == value


# Supporter keys ---------------------------------------------------------------------------------

SECRET = b"test-supporter-key-secret"


def test_same_person_same_campaign_has_the_same_key() -> None:
    first = supporter_key(SECRET, "campaign-1", canonical_email("Awa.Diop@Example.org"))
    again = supporter_key(SECRET, "campaign-1", canonical_email(" awa.diop@EXAMPLE.ORG"))
    assert first == again
    assert len(first) == 64
    assert int(first, 16) >= 0  # hex


def test_keys_differ_by_campaign_person_and_secret() -> None:
    key = supporter_key(SECRET, "campaign-1", "awa@example.org")
    assert supporter_key(SECRET, "campaign-2", "awa@example.org") != key
    assert supporter_key(SECRET, "campaign-1", "fatou@example.org") != key
    assert supporter_key(b"another secret", "campaign-1", "awa@example.org") != key
    # The separator keeps ("a", "bc") and ("ab", "c") apart.
    assert supporter_key(SECRET, "c1", "x@example.org") != supporter_key(
        SECRET, "c1x", "@example.org"
    )


def test_key_reveals_no_email() -> None:
    assert "awa" not in supporter_key(SECRET, "campaign-1", "awa@example.org")


# Campaign rules ---------------------------------------------------------------------------------

NOW = datetime(2026, 3, 8, 12, 0, tzinfo=UTC)
OPEN = Campaign(
    id="c-1",
    slug="femmes-du-numerique",
    kind="pledge",
    title=Localised({"fr": "Femmes du numérique", "en": "Women in digital"}),
    description=Localised({}),
    goal=50_000,
    countries=("FR", "SN"),
    double_opt_in=True,
    opens_at=NOW - timedelta(days=1),
    closes_at=NOW + timedelta(days=30),
    closed=False,
    consent_text_versions=("2025-06", "2026-01"),
    created_at=NOW - timedelta(days=2),
    updated_at=NOW - timedelta(days=2),
    created_by="admin",
)


def _accepts(campaign: Campaign, *, country: str = "FR", version: str = "2026-01") -> None:
    campaign.check_accepts(now=NOW, country=country, consent_text_version=version)


def test_open_campaign_accepts_a_covered_country_and_any_listed_consent_version() -> None:
    assert OPEN.status(NOW) == "open"
    _accepts(OPEN)
    _accepts(OPEN, country="SN", version="2025-06")
    assert OPEN.consent_text_version == "2026-01"  # the last one is the one shown


def test_campaign_without_dates_or_countries_is_open_to_all() -> None:
    campaign = replace(OPEN, opens_at=None, closes_at=None, countries=())
    assert campaign.status(NOW) == "open"
    _accepts(campaign, country="CI")


def test_scheduled_campaign_is_not_open_yet() -> None:
    campaign = replace(OPEN, opens_at=NOW + timedelta(hours=1))
    assert campaign.status(NOW) == "scheduled"
    with pytest.raises(NotOpenYet, match="this campaign opens on 2026-03-08T13:00:00"):
        _accepts(campaign)


def test_campaign_opens_at_its_opening_time() -> None:
    assert replace(OPEN, opens_at=NOW).status(NOW) == "open"


@pytest.mark.parametrize(
    "campaign",
    [
        replace(OPEN, closed=True),
        replace(OPEN, closes_at=NOW - timedelta(seconds=1)),
        replace(OPEN, closes_at=NOW),  # closes_at is exclusive
        # Closed by an organiser before it even opened: closed wins.
        replace(OPEN, closed=True, opens_at=NOW + timedelta(days=1)),
    ],
)
def test_closed_campaign_refuses(campaign: Campaign) -> None:
    assert campaign.status(NOW) == "closed"
    with pytest.raises(Closed, match="this campaign is closed"):
        _accepts(campaign)


def test_country_not_covered_is_rejected_with_the_field() -> None:
    with pytest.raises(Rejected, match="this campaign is open to FR, SN, not CI") as info:
        _accepts(OPEN, country="CI")
    assert info.value.field == "country"


def test_consent_version_not_accepted_is_rejected_with_the_field() -> None:
    with pytest.raises(Rejected, match=r"consent text version '2024-01' is not one") as info:
        _accepts(OPEN, version="2024-01")
    assert info.value.field == "consent_text_version"
    assert "2025-06, 2026-01" in info.value.message


def test_localised_text_picks_the_language() -> None:
    assert OPEN.title.get("fr") == "Femmes du numérique"
    assert OPEN.title.get("en") == "Women in digital"
