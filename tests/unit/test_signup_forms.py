"""The hosted form without JavaScript: fields to the API's models, errors back to the fields."""

from __future__ import annotations

import pytest

from mobilise_runtime.errors import DomainError, NotFound, Rejected, Unavailable
from signup.adapters.progress import Progress
from signup.domain.errors import Closed, NotOpenYet
from signup.presentation import wording as words
from signup.presentation.forms import FormInvalid, Submitted, refusal_messages, signup_from_form
from signup.presentation.i18n import LOCALES, wording
from signup.schemas.signups import VolunteerIn

PLEDGE = [
    ("consent_text_version", "v1"),
    ("email", " awa@example.org "),
    ("first_name", "Awa"),
    ("last_name", ""),
    ("country", "SN"),
    ("region", ""),
    ("newsletter_opt_in", "yes"),
    ("consent", "yes"),
]


def test_a_complete_pledge_form_is_the_api_pledge() -> None:
    signup = signup_from_form(Submitted.read(PLEDGE), kind="pledge", locale="en")
    assert signup.model_dump() == {
        "email": "awa@example.org",
        "first_name": "Awa",
        "last_name": None,
        "country": "SN",
        "region": None,
        "locale": "en",
        "newsletter_opt_in": True,
        "consent_text_version": "v1",
        "partner": None,
        "proof": None,
        "fax": None,
    }


def test_an_unticked_box_is_false() -> None:
    pairs = [p for p in PLEDGE if p[0] != "newsletter_opt_in"]
    signup = signup_from_form(Submitted.read(pairs), kind="pledge", locale="fr")
    assert signup.newsletter_opt_in is False


def test_a_volunteer_form_has_skills_and_availability() -> None:
    pairs = [
        *PLEDGE,
        ("skills", "mentoring"),
        ("skills", "coding"),
        ("availability", "one_day_week"),
        ("wants_training", "yes"),
    ]
    signup = signup_from_form(Submitted.read(pairs), kind="volunteer", locale="fr")
    assert isinstance(signup, VolunteerIn)
    assert (signup.skills, signup.availability, signup.wants_training) == (
        ["mentoring", "coding"],
        "one_day_week",
        True,
    )


def test_every_wrong_field_is_named_at_once() -> None:
    pairs = [
        ("consent_text_version", "v1"),
        ("email", "not-an-address"),
        ("first_name", "<b>Awa</b>"),
        ("country", "XX"),
        ("skills", "juggling"),
    ]
    with pytest.raises(FormInvalid) as refused:
        signup_from_form(Submitted.read(pairs), kind="volunteer", locale="fr")
    assert refused.value.errors == {
        "email": words.FIELD_ERRORS["email"],
        "first_name": words.FIELD_ERRORS["first_name"],
        "country": words.FIELD_ERRORS["country"],
        "skills": words.FIELD_ERRORS["skills"],
        "availability": words.FIELD_ERRORS["availability"],
        "consent": words.FIELD_ERRORS["consent"],
    }


def test_a_region_outside_the_country_is_the_region_s_error() -> None:
    pairs = [*PLEDGE, ("region", "FR-IDF")]
    with pytest.raises(FormInvalid) as refused:
        signup_from_form(Submitted.read(pairs), kind="pledge", locale="fr")
    assert refused.value.errors == {"region": words.FIELD_ERRORS["region"]}


def test_a_tampered_hidden_field_is_a_general_error() -> None:
    pairs = [*(p for p in PLEDGE if p[0] != "consent_text_version"), ("consent_text_version", "")]
    with pytest.raises(FormInvalid) as refused:
        signup_from_form(Submitted.read(pairs), kind="pledge", locale="fr")
    assert refused.value.errors == {"form": words.GENERAL_ERROR}


def test_what_is_typed_is_kept_to_show_again() -> None:
    submitted = Submitted.read([*PLEDGE, ("skills", "coding"), ("unknown", "x")])
    assert submitted.text == {"email": "awa@example.org", "first_name": "Awa", "country": "SN"}
    assert submitted.skills == ("coding",)
    assert submitted.ticked == {"newsletter_opt_in", "consent"}


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (Rejected("open to FR, not SN", field="country"), {"country": words.COUNTRY_NOT_COVERED}),
        (Rejected("stale", field="consent_text_version"), {"form": words.CONSENT_CHANGED}),
        (Closed("closed"), {"form": words.CAMPAIGN_CLOSED}),
        (NotOpenYet("later"), {"form": words.CAMPAIGN_NOT_OPEN}),
        (Unavailable("down", retry_after_s=5), {"form": words.UNAVAILABLE}),
    ],
)
def test_refusals_are_worded_in_the_page_language(
    error: DomainError, expected: dict[str, str]
) -> None:
    for locale in LOCALES:
        language = wording(locale)
        said = {field: language.gettext(message) for field, message in expected.items()}
        assert refusal_messages(error, language) == said
        assert locale == "en" or said != expected


def test_a_refusal_without_words_of_its_own_shows_its_message() -> None:
    assert refusal_messages(NotFound("no campaign 'x'"), wording("en")) == {
        "form": "no campaign 'x'"
    }


@pytest.mark.parametrize(
    ("signed", "goal", "percent"), [(0, 10, 0), (1, 3, 33), (10, 10, 100), (25, 10, 100)]
)
def test_progress_percent_is_whole_and_at_most_100(signed: int, goal: int, percent: int) -> None:
    assert Progress(signed=signed, goal=goal).percent == percent
