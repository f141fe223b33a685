"""Kafka topics: which event travels where, with how many partitions and how long it is kept."""

from __future__ import annotations

from dataclasses import dataclass

from mobilise_events.base import Event, EventDecodeError
from mobilise_events.models import EVENT_TYPES

DAY_MS = 24 * 60 * 60 * 1000
# Topics carrying personal data keep it a bounded time (GDPR); each service keeps its own
# durable record.
PERSONAL_DATA_RETENTION_MS = 7 * DAY_MS
OTHER_RETENTION_MS = 30 * DAY_MS

BY_TOPIC: dict[str, type[Event]] = {t.topic: t for t in EVENT_TYPES}

# Messages a consumer could not decode, with the reason and origin in headers.
DEAD_LETTER_TOPIC = "events.deadletter.v1"


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    retention_ms: int
    # One of the signup topics: consumers expect partition N of every one of them to hold the
    # same campaigns.
    co_partitioned: bool = False


def _spec(event_type: type[Event]) -> TopicSpec:
    # Signups are keyed by campaign and are the volume: enough partitions to spread counter
    # consumers over.
    signup = event_type.co_partitioned
    retention = PERSONAL_DATA_RETENTION_MS if event_type.personal_data else OTHER_RETENTION_MS
    return TopicSpec(event_type.topic, 6 if signup else 3, retention, co_partitioned=signup)


TOPICS: tuple[TopicSpec, ...] = (
    *(_spec(t) for t in EVENT_TYPES),
    # Undecodable messages may hold personal data too.
    TopicSpec(DEAD_LETTER_TOPIC, 1, PERSONAL_DATA_RETENTION_MS),
)


def decode(topic: str, payload: bytes, prefix: str = "") -> Event:
    """Decode a message by the topic it was read from (`prefix`: the deployment's prefix)."""
    base = topic.removeprefix(prefix)
    event_type = BY_TOPIC.get(base)
    if event_type is None:
        raise EventDecodeError(topic, "no event is published on this topic")
    return event_type.decode(payload)
