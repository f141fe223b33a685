"""counter-consumer: one member of the `counter` consumer group (partitions spread over
members)."""

from __future__ import annotations

import asyncio
from collections import Counter

from counter.settings import Settings
from mobilise_events import PledgeSigned, SignupConfirmed, SupporterErased, VolunteerRegistered
from mobilise_runtime.kafka import EventConsumer, Received
from mobilise_runtime.logging import configure_logging, get_logger
from mobilise_runtime.process import run_until_signalled

SERVICE = "counter-consumer"
TOPICS = [t.topic for t in (PledgeSigned, VolunteerRegistered, SignupConfirmed, SupporterErased)]
log = get_logger(__name__)


async def apply_batch(batch: list[Received]) -> None:
    # Totals are applied here by the counting issue; until then the consumer reports what it reads.
    log.info("batch received", events=dict(Counter(r.event.topic for r in batch)))


async def consume(settings: Settings, stop: asyncio.Event) -> None:
    shared = settings.shared
    consumer = EventConsumer(
        shared.kafka_bootstrap,
        group_id=settings.consumer_group,
        topics=TOPICS,
        handler=apply_batch,
        prefix=shared.topic_prefix,
        client_id=SERVICE,
    )
    await consumer.run(stop)


def main() -> None:
    settings = Settings()
    configure_logging(SERVICE, settings.shared.log_format, settings.shared.log_level)
    run_until_signalled(lambda stop: consume(settings, stop))
