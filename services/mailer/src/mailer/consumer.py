"""mailer-consumer: turns signup and mailing events into Celery tasks (one member of `mailer`)."""

from __future__ import annotations

import asyncio
from collections import Counter

from mailer.settings import Settings
from mobilise_events import (
    MailingRequested,
    PledgeSigned,
    SupporterErased,
    SupporterUnsubscribed,
    VolunteerRegistered,
)
from mobilise_runtime.kafka import EventConsumer, Received
from mobilise_runtime.logging import configure_logging, get_logger
from mobilise_runtime.process import run_until_signalled

SERVICE = "mailer-consumer"
TOPICS = [
    t.topic
    for t in (
        PledgeSigned,
        VolunteerRegistered,
        SupporterUnsubscribed,
        SupporterErased,
        MailingRequested,
    )
]
log = get_logger(__name__)


async def dispatch(batch: list[Received]) -> None:
    # Mails are queued here by the mailer issue; until then the consumer reports what it reads.
    log.info("batch received", events=dict(Counter(r.event.topic for r in batch)))


async def consume(settings: Settings, stop: asyncio.Event) -> None:
    shared = settings.shared
    consumer = EventConsumer(
        shared.kafka_bootstrap,
        group_id=settings.consumer_group,
        topics=TOPICS,
        handler=dispatch,
        prefix=shared.topic_prefix,
        client_id=SERVICE,
    )
    await consumer.run(stop)


def main() -> None:
    settings = Settings()
    configure_logging(SERVICE, settings.shared.log_format, settings.shared.log_level)
    run_until_signalled(lambda stop: consume(settings, stop))
