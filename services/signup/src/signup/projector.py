"""signup-projector: keeps the supporter records (with their consent history) from the signup
service's own events; the organiser export reads them.

Applying a batch is idempotent (see repository/supporters.py), so the consumer's at-least-once
delivery is enough: a batch redelivered after a crash rewrites the same documents."""

from __future__ import annotations

import asyncio

from mobilise_events import (
    PledgeSigned,
    Signup,
    SignupConfirmed,
    SupporterUnsubscribed,
    VolunteerRegistered,
)
from mobilise_runtime.kafka import EventConsumer, Received
from mobilise_runtime.logging import configure_logging
from mobilise_runtime.mongo import ServiceDatabase
from mobilise_runtime.process import run_until_signalled
from signup.repository import SupporterRepository
from signup.repository.supporters import Write
from signup.settings import StoreSettings

SERVICE = "signup-projector"
TOPICS = [
    t.topic for t in (PledgeSigned, VolunteerRegistered, SignupConfirmed, SupporterUnsubscribed)
]


def writes_for(batch: list[Received]) -> list[Write]:
    writes: list[Write] = []
    for received in batch:
        event = received.event
        if isinstance(event, Signup):
            writes.append(SupporterRepository.signed(event))
        elif isinstance(event, SignupConfirmed):
            writes.append(SupporterRepository.confirmed(event))
        elif isinstance(event, SupporterUnsubscribed):
            writes.append(
                SupporterRepository.unsubscribed(event.email, event.campaign_id, event.occurred_at)
            )
    return writes


async def project(settings: StoreSettings, stop: asyncio.Event) -> None:
    shared = settings.shared
    database = ServiceDatabase(shared.mongo_url, settings.mongo_database, app_name=SERVICE)
    supporters = SupporterRepository(database.db)
    await supporters.ensure_indexes()

    async def apply(batch: list[Received]) -> None:
        await supporters.apply(writes_for(batch))

    consumer = EventConsumer(
        shared.kafka_bootstrap,
        group_id=settings.projector_group,
        topics=TOPICS,
        handler=apply,
        prefix=shared.topic_prefix,
        client_id=SERVICE,
    )
    try:
        await consumer.run(stop)
    finally:
        await database.close()


def main() -> None:
    settings = StoreSettings()
    configure_logging(SERVICE, settings.shared.log_format, settings.shared.log_level)
    run_until_signalled(lambda stop: project(settings, stop))
