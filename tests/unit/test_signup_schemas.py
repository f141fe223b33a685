"""The signup API's input models: what the edge accepts, normalises and refuses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from signup.schemas.campaigns import CAMPAIGN_EXAMPLE, CampaignIn, CampaignPatch, ConsentTextIn
from signup.schemas.signups import PLEDGE_EXAMPLE, PledgeIn, VolunteerIn

VOLUNTEER = {
    **PLEDGE_EXAMPLE,
    "skills": ["mentoring", "digital_skills_training"],
    "availability": "few_hours_month",
}


def _errors(model: type[BaseModel], data: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(field path, error type, message) of each error, so a test names exactly what it expects."""
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    return [(".".join(str(p) for p in e["loc"]), e["type"], e["msg"]) for e in info.value.errors()]


def _one_error(model: type[BaseModel], data: dict[str, Any]) -> tuple[str, str, str]:
    errors = _errors(model, data)
    assert len(errors) == 1, errors
    return errors[0]


def _refused(
    model: type[BaseModel], data: dict[str, Any], field: str, error_type: str, message: str
) -> None:
    """Exactly one error: at `field`, of `error_type`, its message containing `message`."""
    loc, kind, text = _one_error(model, data)
    assert (loc, kind) == (field, error_type)
    assert message in text


# Pledges ----------------------------------------------------------------------------------------


def test_pledge_example_is_valid_and_normalised() -> None:
    pledge = PledgeIn.model_validate(
        {
            **PLEDGE_EXAMPLE,
            "email": " Awa.Diop@Example.ORG ",
            "first_name": "  Awa   Marie ",
            "country": "sn",
            "region": "sn-dk",
        }
    )
    assert pledge.email == "Awa.Diop@example.org"
    assert pledge.first_name == "Awa Marie"
    assert (pledge.country, pledge.region) == ("SN", "SN-DK")
    assert pledge.partner is None


def test_pledge_optional_fields() -> None:
    minimal = {k: v for k, v in PLEDGE_EXAMPLE.items() if k not in ("last_name", "region")}
    pledge = PledgeIn.model_validate(minimal)
    assert pledge.last_name is None
    assert pledge.region is None


def test_pledge_refuses_unknown_fields() -> None:
    assert _one_error(PledgeIn, {**PLEDGE_EXAMPLE, "is_admin": True}) == (
        "is_admin",
        "extra_forbidden",
        "Extra inputs are not permitted",
    )


@pytest.mark.parametrize(
    "field",
    ["email", "first_name", "country", "locale", "newsletter_opt_in", "consent_text_version"],
)
def test_pledge_required_fields(field: str) -> None:
    data = {k: v for k, v in PLEDGE_EXAMPLE.items() if k != field}
    assert _one_error(PledgeIn, data)[:2] == (field, "missing")


@pytest.mark.parametrize(
    ("change", "field", "error_type", "message"),
    [
        ({"email": "not-an-email"}, "email", "value_error", "must have an @-sign"),
        ({"email": "a@"}, "email", "string_too_short", "at least 3 characters"),
        ({"email": "x" * 250 + "@example.org"}, "email", "string_too_long", "at most 254"),
        ({"first_name": ""}, "first_name", "too_short", "at least 1 item"),
        ({"first_name": "   "}, "first_name", "too_short", "at least 1 item"),
        ({"first_name": "A" * 81}, "first_name", "string_too_long", "at most 80"),
        ({"first_name": "Awa\x00"}, "first_name", "value_error", "control characters"),
        ({"first_name": "<b>Awa</b>"}, "first_name", "value_error", "may not contain < or >"),
        ({"last_name": "D" * 81}, "last_name", "string_too_long", "at most 80"),
        ({"last_name": "Diop\u202e"}, "last_name", "value_error", "control characters"),
        ({"country": "ZZ"}, "country", "value_error", "not an ISO 3166-1 alpha-2"),
        ({"country": "zz"}, "country", "value_error", "not an ISO 3166-1 alpha-2"),
        ({"country": "SEN"}, "country", "string_too_long", "at most 2"),
        ({"region": "SN-XX"}, "region", "value_error", "not an ISO 3166-2 subdivision"),
        ({"region": "FR-IDF"}, "region", "value_error", "FR-IDF is not a subdivision of SN"),
        ({"region": "SN-"}, "region", "string_too_short", "at least 4"),
        ({"locale": "de"}, "locale", "literal_error", "'ar' or 'ro'"),
        ({"locale": "FR"}, "locale", "literal_error", "'ar' or 'ro'"),
        ({"newsletter_opt_in": "maybe"}, "newsletter_opt_in", "bool_parsing", "valid boolean"),
        ({"newsletter_opt_in": None}, "newsletter_opt_in", "bool_type", "valid boolean"),
        ({"consent_text_version": ""}, "consent_text_version", "string_too_short", "at least 1"),
        ({"consent_text_version": "../x"}, "consent_text_version", "string_pattern_mismatch", ""),
        ({"consent_text_version": "v" * 33}, "consent_text_version", "string_too_long", ""),
        ({"partner": "a b"}, "partner", "string_pattern_mismatch", "should match pattern"),
        ({"partner": "ab"}, "partner", "string_too_short", "at least 3"),
        ({"email": ["awa@example.org"]}, "email", "string_type", "valid string"),
    ],
)
def test_pledge_refuses(change: dict[str, Any], field: str, error_type: str, message: str) -> None:
    _refused(PledgeIn, {**PLEDGE_EXAMPLE, **change}, field, error_type, message)


def test_region_not_checked_when_the_country_is_already_wrong() -> None:
    # One error, on the country: the region check needs a valid country.
    loc, _, _ = _one_error(PledgeIn, {**PLEDGE_EXAMPLE, "country": "ZZ", "region": "FR-IDF"})
    assert loc == "country"


# Volunteers -------------------------------------------------------------------------------------


def test_volunteer_defaults_and_normalisation() -> None:
    volunteer = VolunteerIn.model_validate(VOLUNTEER)
    assert volunteer.skills == ["mentoring", "digital_skills_training"]
    assert volunteer.wants_training is False
    assert isinstance(volunteer, PledgeIn)


@pytest.mark.parametrize(
    ("change", "field", "error_type", "message"),
    [
        ({"skills": []}, "skills", "too_short", "at least 1 item"),
        ({"skills": ["juggling"]}, "skills.0", "literal_error", "'mentoring'"),
        ({"skills": ["mentoring", "mentoring"]}, "", "value_error", "listed more than once"),
        ({"skills": "mentoring"}, "skills", "list_type", "valid list"),
        ({"availability": "always"}, "availability", "literal_error", "'few_hours_month'"),
        ({"wants_training": "perhaps"}, "wants_training", "bool_parsing", "valid boolean"),
    ],
)
def test_volunteer_refuses(
    change: dict[str, Any], field: str, error_type: str, message: str
) -> None:
    _refused(VolunteerIn, {**VOLUNTEER, **change}, field, error_type, message)


def test_volunteer_needs_skills_and_availability() -> None:
    data = {k: v for k, v in VOLUNTEER.items() if k not in ("skills", "availability")}
    assert sorted(e[:2] for e in _errors(VolunteerIn, data)) == [
        ("availability", "missing"),
        ("skills", "missing"),
    ]


def test_too_many_skills_are_refused() -> None:
    many = ["mentoring", "coding", "communication", "legal_advice", "finance", "events"]
    many += ["translation", "digital_skills_training", "mentoring"]
    errors = _errors(VolunteerIn, {**VOLUNTEER, "skills": many})
    assert ("skills", "too_long") in [e[:2] for e in errors]


def test_a_pledge_body_is_not_a_volunteer_body_and_vice_versa() -> None:
    assert ("skills", "missing") in [e[:2] for e in _errors(VolunteerIn, dict(PLEDGE_EXAMPLE))]
    assert ("skills", "extra_forbidden") in [e[:2] for e in _errors(PledgeIn, VOLUNTEER)]


# Campaigns --------------------------------------------------------------------------------------


def test_campaign_example_is_valid_and_countries_are_upper_cased() -> None:
    campaign = CampaignIn.model_validate({**CAMPAIGN_EXAMPLE, "countries": ["fr", "sn"]})
    assert campaign.countries == ["FR", "SN"]
    assert campaign.double_opt_in is True
    assert campaign.opens_at is campaign.closes_at is None


@pytest.mark.parametrize(
    ("change", "field", "error_type", "message"),
    [
        ({"owner": "me"}, "owner", "extra_forbidden", "Extra inputs"),
        ({"slug": "Femmes"}, "slug", "string_pattern_mismatch", "should match pattern"),
        ({"slug": "-femmes"}, "slug", "string_pattern_mismatch", "should match pattern"),
        ({"slug": "femmes--num"}, "slug", "string_pattern_mismatch", "should match pattern"),
        ({"slug": "femmes du num"}, "slug", "string_pattern_mismatch", "should match pattern"),
        ({"slug": "ab"}, "slug", "string_too_short", "at least 3"),
        ({"slug": "a" * 65}, "slug", "string_too_long", "at most 64"),
        ({"kind": "petition"}, "kind", "literal_error", "'pledge' or 'volunteer'"),
        ({"goal": 0}, "goal", "greater_than_equal", "greater than or equal to 1"),
        ({"goal": -5}, "goal", "greater_than_equal", "greater than or equal to 1"),
        ({"goal": 1_000_000_001}, "goal", "less_than_equal", "less than or equal to"),
        ({"goal": 1.5}, "goal", "int_from_float", "valid integer"),
        ({"countries": ["ZZ"]}, "countries.0", "value_error", "not an ISO 3166-1"),
        ({"consent_text_versions": []}, "consent_text_versions", "too_short", "at least 1"),
        ({"title": {"en": "Women"}}, "", "value_error", "needs a text in fallback_locale 'fr'"),
        ({"title": {}}, "title", "too_short", "at least 1"),
        ({"title": {"fr": "", "en": "x"}}, "title.fr", "string_too_short", "at least 1"),
        ({"title": {"fr": "a", "de": "c"}}, "title.de.[key]", "literal_error", "'ar' or 'ro'"),
        ({"description": {"fr": "x" * 5001}}, "description.fr", "string_too_long", "5000"),
        ({"opens_at": "2026-01-01T00:00:00"}, "opens_at", "timezone_aware", "timezone info"),
        (
            {"opens_at": "2026-02-01T00:00:00Z", "closes_at": "2026-01-01T00:00:00Z"},
            "",
            "value_error",
            "closes_at must be after opens_at",
        ),
        (
            {"opens_at": "2026-01-01T00:00:00Z", "closes_at": "2026-01-01T01:00:00+01:00"},
            "",
            "value_error",
            "closes_at must be after opens_at",
        ),
    ],
)
def test_campaign_refuses(
    change: dict[str, Any], field: str, error_type: str, message: str
) -> None:
    _refused(CampaignIn, {**CAMPAIGN_EXAMPLE, **change}, field, error_type, message)


def test_campaign_dates_in_order_are_accepted() -> None:
    campaign = CampaignIn.model_validate(
        {**CAMPAIGN_EXAMPLE, "opens_at": "2026-01-01T00:00:00Z", "closes_at": "2026-12-31T23:00Z"}
    )
    assert campaign.opens_at == datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("model", [CampaignIn, CampaignPatch])
@pytest.mark.parametrize(
    "when", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-10:00"]
)
def test_dates_that_utc_cannot_hold_are_refused(model: type[BaseModel], when: str) -> None:
    """Regression: they reached the database driver and came back as a 500."""
    data = {**CAMPAIGN_EXAMPLE, "opens_at": when} if model is CampaignIn else {"opens_at": when}
    assert _one_error(model, data) == ("opens_at", "value_error", "Value error, date out of range")


def test_dates_are_kept_in_utc() -> None:
    patch = CampaignPatch.model_validate({"closes_at": "2026-12-31T23:00:00-05:00"})
    assert patch.closes_at == datetime(2027, 1, 1, 4, 0, tzinfo=UTC)
    assert patch.closes_at is not None
    assert patch.closes_at.utcoffset() == timedelta(0)


# Campaign patches -------------------------------------------------------------------------------


def test_empty_patch_changes_nothing() -> None:
    assert CampaignPatch.model_validate({}).model_dump(exclude_unset=True) == {}


def test_patch_keeps_only_what_was_sent() -> None:
    patch = CampaignPatch.model_validate({"goal": 60_000, "countries": ["sn"]})
    assert patch.model_dump(exclude_unset=True) == {"goal": 60_000, "countries": ["SN"]}


def test_patch_may_remove_the_dates() -> None:
    patch = CampaignPatch.model_validate({"opens_at": None, "closes_at": None})
    assert patch.model_dump(exclude_unset=True) == {"opens_at": None, "closes_at": None}


@pytest.mark.parametrize(
    "field",
    [
        "title",
        "description",
        "goal",
        "countries",
        "double_opt_in",
        "consent_text_versions",
    ],
)
def test_patch_refuses_null_for_anything_but_the_dates(field: str) -> None:
    loc, kind, text = _one_error(CampaignPatch, {field: None})
    assert (loc, kind) == ("", "value_error")
    assert f"{field} may not be null" in text


@pytest.mark.parametrize(
    ("data", "field", "error_type"),
    [
        ({"slug": "new-slug"}, "slug", "extra_forbidden"),
        ({"kind": "volunteer"}, "kind", "extra_forbidden"),
        ({"goal": 0}, "goal", "greater_than_equal"),
        ({"countries": ["XX"]}, "countries.0", "value_error"),
        ({"consent_text_versions": []}, "consent_text_versions", "too_short"),
        ({"opens_at": "2026-01-01T00:00:00"}, "opens_at", "timezone_aware"),
        (
            {"opens_at": "2026-06-01T00:00:00Z", "closes_at": "2026-06-01T00:00:00Z"},
            "",
            "value_error",
        ),
    ],
)
def test_patch_refuses(data: dict[str, Any], field: str, error_type: str) -> None:
    assert _one_error(CampaignPatch, data)[:2] == (field, error_type)


# Consent texts ----------------------------------------------------------------------------------


def test_consent_text_needs_a_language_and_a_plain_version() -> None:
    ConsentTextIn.model_validate({"version": "2026-01", "text": {"fr": "J'accepte", "en": "I do"}})
    ConsentTextIn.model_validate({"version": "2026-01", "text": {"ar": "أوافق"}})
    assert _one_error(ConsentTextIn, {"version": "2026-01", "text": {}})[:2] == (
        "text",
        "too_short",
    )
    assert _one_error(ConsentTextIn, {"version": "2026 01", "text": {"fr": "a", "en": "b"}})[
        :2
    ] == ("version", "string_pattern_mismatch")
