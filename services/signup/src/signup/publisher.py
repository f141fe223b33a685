"""The signup service's events, published durably (acks=all) or not at all."""

from __future__ import annotations

import asyncio

from aiokafka.errors import KafkaError

from mobilise_events import Event
from mobilise_runtime.kafka import EventPublisher
from signup.domain.errors import Unavailable

RETRY_AFTER_S = 5


class SignupPublisher:
    def __init__(self, publisher: EventPublisher, *, timeout_s: float) -> None:
        self._publisher = publisher
        self._timeout_s = timeout_s

    async def publish(self, event: Event, *, campaign_id: str | None) -> None:
        """Return once the event is on every in-sync replica; raise Unavailable otherwise.

        Keyed by campaign: a campaign's events stay in order on one partition."""
        try:
            # asyncio.timeout, not wait_for: no extra task per signup on the intake's hot path.
            async with asyncio.timeout(self._timeout_s):
                await self._publisher.publish(event, key=campaign_id or "")
        except (TimeoutError, KafkaError) as exc:
            # Not "nothing was recorded": the producer keeps the event and still delivers it if
            # the broker is back within its request timeout (or wrote it and the ack was lost).
            raise Unavailable(
                "signups are paused for a moment and yours may not have been recorded; "
                "please try again (a repeat counts once)",
                retry_after_s=RETRY_AFTER_S,
            ) from exc
