"""mobilise events: one pydantic model per Kafka topic, and their JSON (de)serialisation."""

from mobilise_events.base import Event, EventDecodeError
from mobilise_events.models import (
    EVENT_TYPES,
    Audience,
    ErasedSignup,
    LocalisedText,
    MailingRequested,
    PledgeSigned,
    Signup,
    SignupConfirmed,
    SignupsInvalidated,
    SupporterErased,
    SupporterUnsubscribed,
    VolunteerRegistered,
)
from mobilise_events.topics import (
    BY_TOPIC,
    DEAD_LETTER_TOPIC,
    TOPICS,
    TopicSpec,
    decode,
)

__all__ = [
    "BY_TOPIC",
    "DEAD_LETTER_TOPIC",
    "EVENT_TYPES",
    "TOPICS",
    "Audience",
    "ErasedSignup",
    "Event",
    "EventDecodeError",
    "LocalisedText",
    "MailingRequested",
    "PledgeSigned",
    "Signup",
    "SignupConfirmed",
    "SignupsInvalidated",
    "SupporterErased",
    "SupporterUnsubscribed",
    "TopicSpec",
    "VolunteerRegistered",
    "decode",
]
