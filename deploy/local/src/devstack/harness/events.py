"""Signup events as the signup service publishes them, for tests and benchmarks that feed a
consumer directly: one supporter's usual answers, each overridable."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from mobilise_events import Event, PledgeSigned, Signup
from mobilise_runtime.kafka import Received

S = TypeVar("S", bound=Signup)


def signed(kind: type[S] = PledgeSigned, **fields: Any) -> S:  # type: ignore[assignment]
    """A `kind` signup (pledge by default) of Awa in France on campaign `c-1`; `fields` replace
    any of its values (a new `signup_id` each time; `occurred_at`: now unless given)."""
    values: dict[str, Any] = {
        "signup_id": uuid.uuid4(),
        "campaign_id": "c-1",
        "campaign_slug": "women-in-tech",
        "supporter_key": "k-awa",
        "email": "awa@example.org",
        "first_name": "Awa",
        "country": "FR",
        "locale": "fr",
        "newsletter_opt_in": True,
        "consent_text_version": "v1",
        "double_opt_in": False,
        "unsubscribe_token": "u",
    }
    return kind(**(values | fields))


def as_batch(*events: Event, prefix: str = "", partition: int = 0) -> list[Received]:
    """The events as a consumer's handler receives them: one partition, offsets from 0."""
    return [Received(e, prefix + e.topic, partition, n) for n, e in enumerate(events)]
