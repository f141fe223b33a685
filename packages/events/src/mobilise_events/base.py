"""What every mobilise event has, and how one is turned into bytes and back."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, ClassVar, Self

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, ValidationError


def _as_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_as_utc)]


def _now() -> datetime:
    return datetime.now(UTC)


class EventDecodeError(ValueError):
    """A message that is not a valid event of the topic it came from (consumers dead-letter it)."""

    def __init__(self, topic: str, reason: str) -> None:
        super().__init__(f"cannot decode a {topic} event: {reason}")
        self.topic = topic
        self.reason = reason


class Event(BaseModel):
    """Base of every event. Immutable; unknown fields are ignored so that producers can add fields
    before every consumer knows them."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    topic: ClassVar[str]
    # Carries personal data: the topic's retention is bounded (see topics.py).
    personal_data: ClassVar[bool]
    # One of the signup topics, keyed by campaign and read together (range assignment): partition
    # N of each holds the same campaigns only while they all have the same partition count.
    co_partitioned: ClassVar[bool] = False

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    occurred_at: UtcDatetime = Field(default_factory=_now)
    schema_version: int = 1

    def encode(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        try:
            return cls.model_validate_json(payload)
        except ValidationError as exc:
            errors = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}"
                for e in exc.errors()
            )
            raise EventDecodeError(cls.topic, errors) from exc
