from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import BaseModel, ConfigDict, Field

from mobilise_events import (
    BY_TOPIC,
    DEAD_LETTER_TOPIC,
    EVENT_TYPES,
    TOPICS,
    Audience,
    ErasedSignup,
    Event,
    EventDecodeError,
    LocalisedText,
    MailingRequested,
    PledgeSigned,
    SignupConfirmed,
    SignupsInvalidated,
    SupporterErased,
    SupporterUnsubscribed,
    VolunteerRegistered,
    decode,
)
from mobilise_events.topics import PERSONAL_DATA_RETENTION_MS

SIGNUP = {
    "signup_id": uuid.uuid4(),
    "campaign_id": "c-1",
    "campaign_slug": "women-in-tech",
    "supporter_key": "k" * 64,
    "email": "awa@example.org",
    "first_name": "Awa",
    "country": "SN",
    "region": "SN-DK",
    "locale": "fr",
    "newsletter_opt_in": True,
    "consent_text_version": "2026-01",
    "double_opt_in": True,
}

SAMPLES: list[Event] = [
    PledgeSigned(**SIGNUP, partner="p-1"),
    VolunteerRegistered(
        **SIGNUP, skills=("mentoring", "digital"), availability="weekends", wants_training=True
    ),
    SignupConfirmed(signup_id=uuid.uuid4(), campaign_id="c-1", supporter_key="k" * 64),
    SupporterUnsubscribed(email="awa@example.org", campaign_id=None, source="one_click"),
    SupporterErased(
        email="awa@example.org", signups=(ErasedSignup(campaign_id="c-1", supporter_key="k"),)
    ),
    MailingRequested(
        mailing_id=uuid.uuid4(),
        campaign_id="c-1",
        subject=LocalisedText(fr="Merci", en="Thank you"),
        body_template=LocalisedText(fr="Bonjour {{ first_name }}", en="Hello {{ first_name }}"),
        audience=Audience(countries=("FR", "SN"), confirmed_only=True),
    ),
    SignupsInvalidated(
        invalidation_id=uuid.uuid4(),
        campaign_id="c-1",
        action="revert",
        supporter_keys=("k" * 64, "j" * 64),
        part=2,
        parts=3,
    ),
]


def test_every_event_type_has_a_sample() -> None:
    assert {type(e) for e in SAMPLES} == set(EVENT_TYPES)


@pytest.mark.parametrize("event", SAMPLES, ids=lambda e: e.topic)
def test_round_trip_through_bytes(event: Event) -> None:
    assert decode(event.topic, event.encode()) == event


@pytest.mark.parametrize("event", SAMPLES, ids=lambda e: e.topic)
def test_unknown_fields_are_ignored(event: Event) -> None:
    payload = json.loads(event.encode())
    payload["added_by_a_newer_producer"] = {"nested": [1, 2]}
    assert decode(event.topic, json.dumps(payload).encode()) == event


def test_every_event_carries_id_time_and_version() -> None:
    event = SAMPLES[0]
    payload = json.loads(event.encode())
    assert uuid.UUID(payload["event_id"]) == event.event_id
    assert payload["schema_version"] == 2  # signups: version 2 carries no link tokens
    assert payload["confirm_token"] is payload["unsubscribe_token"] is None
    assert datetime.fromisoformat(payload["occurred_at"]).utcoffset() == timedelta(0)
    assert json.loads(SAMPLES[2].encode())["schema_version"] == 1


def test_a_signup_of_schema_version_1_with_its_link_tokens_is_still_read() -> None:
    """Before version 2 the signup service minted the links: such events may still be in the
    topics when the mailer that mints them is deployed."""
    payload = {
        **json.loads(SAMPLES[0].encode()),
        "schema_version": 1,
        "confirm_token": "gAAAAconfirm",
        "unsubscribe_token": "gAAAAunsubscribe",
    }
    event = decode(PledgeSigned.topic, json.dumps(payload).encode())
    assert isinstance(event, PledgeSigned)
    assert event.schema_version == 1
    assert (event.confirm_token, event.unsubscribe_token) == ("gAAAAconfirm", "gAAAAunsubscribe")


def test_occurred_at_is_normalised_to_utc() -> None:
    paris = timezone(timedelta(hours=1))
    event = SignupConfirmed(
        signup_id=uuid.uuid4(),
        campaign_id="c",
        supporter_key="k",
        occurred_at=datetime(2026, 3, 8, 10, 0, tzinfo=paris),
    )
    assert event.occurred_at == datetime(2026, 3, 8, 9, 0, tzinfo=UTC)
    assert event.occurred_at.tzinfo == UTC


def test_events_are_immutable() -> None:
    with pytest.raises(ValueError, match="frozen"):
        SAMPLES[0].email = "other@example.org"  # type: ignore[attr-defined]


BAD_PAYLOADS = [
    (b"not json", "Invalid JSON"),
    (b"[]", "<root>"),
    (b"{}", "signup_id"),
    (json.dumps({**json.loads(SAMPLES[0].encode()), "locale": "de"}).encode(), "locale"),
    (
        json.dumps(
            {**json.loads(SAMPLES[0].encode()), "occurred_at": "2026-03-08T10:00:00"}
        ).encode(),
        "occurred_at",
    ),
    (json.dumps({**json.loads(SAMPLES[0].encode()), "signup_id": "x"}).encode(), "signup_id"),
]


@pytest.mark.parametrize(("payload", "field"), BAD_PAYLOADS)
def test_bad_payload_is_a_typed_error_naming_the_problem(payload: bytes, field: str) -> None:
    with pytest.raises(EventDecodeError) as caught:
        decode(PledgeSigned.topic, payload)
    assert caught.value.topic == PledgeSigned.topic
    assert field in caught.value.reason


def test_decode_strips_the_deployment_prefix() -> None:
    event = SAMPLES[2]
    assert decode(f"t123.{event.topic}", event.encode(), prefix="t123.") == event


def test_unknown_topic_is_a_typed_error() -> None:
    with pytest.raises(EventDecodeError, match="no event is published"):
        decode("pledge.signed.v9", SAMPLES[0].encode())


def test_topic_names_follow_entity_verb_version() -> None:
    for topic in BY_TOPIC:
        entity, verb, version = topic.split(".")
        assert entity.isalpha()
        assert verb.isalpha()
        assert version[0] == "v"
        assert version[1:].isdigit()


def test_signup_topics_have_at_least_six_partitions() -> None:
    specs = {s.name: s for s in TOPICS}
    for event_type in (PledgeSigned, VolunteerRegistered, SignupConfirmed):
        assert specs[event_type.topic].partitions >= 6


def test_topics_with_personal_data_have_bounded_retention() -> None:
    specs = {s.name: s for s in TOPICS}
    for event_type in EVENT_TYPES:
        if event_type.personal_data:
            assert specs[event_type.topic].retention_ms <= PERSONAL_DATA_RETENTION_MS
    assert specs[DEAD_LETTER_TOPIC].retention_ms <= PERSONAL_DATA_RETENTION_MS


# Languages beyond fr and en (docs/languages.md): LocalisedText grew `texts` and `fallback`.

OLD_MAILING = {
    "event_id": "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b",
    "occurred_at": "2026-03-01T09:00:00Z",
    "schema_version": 1,
    "mailing_id": "0b6f8e2a-4c1d-4e5f-8a9b-1c2d3e4f5a6b",
    "campaign_id": "c1",
    "subject": {"fr": "Merci !", "en": "Thank you!"},
    "body_template": {"fr": "Bonjour {{ first_name }}", "en": "Hi {{ first_name }}"},
    "audience": {"countries": None, "confirmed_only": False, "locale": "fr"},
}


def test_a_mailing_from_before_other_languages_is_still_read() -> None:
    event = decode("mailing.requested.v1", json.dumps(OLD_MAILING).encode())
    assert isinstance(event, MailingRequested)
    assert event.subject.texts == {"fr": "Merci !", "en": "Thank you!"}
    assert event.subject.fallback == "fr"
    assert event.subject.shown("ar") == ("Merci !", "fr")
    assert event.subject.get("en") == "Thank you!"


def test_a_text_in_other_languages_is_still_read_by_readers_of_fr_and_en() -> None:
    text = LocalisedText.of({"ar": "شكرًا", "ro": "Mulțumim"}, "ar")
    assert (text.fr, text.en) == ("شكرًا", "شكرًا")  # what readers from before show
    assert text.shown("ro") == ("Mulțumim", "ro")
    assert text.shown("fr") == ("شكرًا", "ar")

    class OldText(BaseModel):  # LocalisedText as it was
        model_config = ConfigDict(extra="ignore")
        fr: str = Field(min_length=1)
        en: str = Field(min_length=1)

    old = OldText.model_validate_json(text.model_dump_json())
    assert (old.fr, old.en) == ("شكرًا", "شكرًا")
    again = LocalisedText.model_validate_json(text.model_dump_json())
    assert again == text


def test_a_text_needs_its_fallback_language() -> None:
    with pytest.raises(ValueError, match="fallback"):
        LocalisedText(fr="a", en="a", texts={"ro": "a"}, fallback="ar")
