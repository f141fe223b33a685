"""The mailer API's events (mailing.requested, supporter.unsubscribed from the webhook),
published durably (acks=all) or not at all."""

from __future__ import annotations

import asyncio

from aiokafka.errors import KafkaError

from mailer.domain.errors import Unavailable
from mobilise_events import Event
from mobilise_runtime.kafka import EventPublisher

RETRY_AFTER_S = 5


class MailerPublisher:
    def __init__(self, publisher: EventPublisher, *, timeout_s: float) -> None:
        self._publisher = publisher
        self._timeout_s = timeout_s

    async def publish(self, event: Event, *, campaign_id: str | None) -> None:
        """Return once the event is on every in-sync replica; raise Unavailable otherwise.

        Keyed by campaign, like signup's events: the mailer consumer that owns a campaign's
        partition sees its signups, unsubscriptions and mailings in order."""
        try:
            async with asyncio.timeout(self._timeout_s):
                await self._publisher.publish(event, key=campaign_id or "")
        except (TimeoutError, KafkaError) as exc:
            # The producer may still deliver it (or wrote it and the ack was lost): a webhook
            # event published twice is one suppression; a mailing retried after a 503 may be
            # requested twice (see the README).
            raise Unavailable(
                "Kafka did not take the request in time: nothing was accepted, try again",
                retry_after_s=RETRY_AFTER_S,
            ) from exc
