"""Events that decode but can never be applied go to the dead-letter topic with the reason, are
counted for alerting, and the consumer goes on; a store outage is waited out; any other error
stops it without committing (the batch is read again), as exactly-once needs."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.structs import ConsumerRecord
from prometheus_client import REGISTRY
from pydantic import SecretStr
from pymongo.errors import AutoReconnect

from devstack.harness.events import signed
from mobilise_events import (
    DEAD_LETTER_TOPIC,
    Event,
    SignupConfirmed,
    SupporterUnsubscribed,
)
from mobilise_runtime.kafka import EventConsumer, EventPublisher, EventRejected, Received
from mobilise_runtime.mongo import ServiceDatabase
from mobilise_runtime.settings import SharedSettings
from signup.entrypoints.projector import project
from signup.settings import ProjectorSettings
from tests.group_member import group_member


async def publish(shared: SharedSettings, events: Sequence[Event]) -> None:
    publisher = EventPublisher(shared.kafka_bootstrap, prefix=shared.topic_prefix, client_id="t")
    await publisher.start()
    try:
        for event in events:
            await publisher.publish(event, key=getattr(event, "campaign_id", None) or "none")
    finally:
        await publisher.stop()


async def dead_letters(shared: SharedSettings, count: int) -> list[ConsumerRecord]:
    reader = AIOKafkaConsumer(
        shared.topic_prefix + DEAD_LETTER_TOPIC,
        bootstrap_servers=shared.kafka_bootstrap,
        auto_offset_reset="earliest",
    )
    await reader.start()
    got: list[ConsumerRecord] = []
    try:
        async with asyncio.timeout(20):
            while len(got) < count:
                batches = await reader.getmany(timeout_ms=500)
                got.extend(r for records in batches.values() for r in records)
    finally:
        await reader.stop()
    return got


def dead_lettered(group: str, topic: str, stage: str) -> float:
    labels = {"group": group, "topic": topic, "stage": stage}
    return REGISTRY.get_sample_value("mobilise_events_dead_lettered_total", labels) or 0.0


async def until(ready: Callable[[], Awaitable[bool]], task: asyncio.Task[None]) -> None:
    """Polls `ready` for up to 30 s; fails at once if the consumer `task` ended."""
    async with asyncio.timeout(30):
        while not await ready():
            assert not task.done(), task.exception()
            await asyncio.sleep(0.1)


def confirmed(campaign: str) -> SignupConfirmed:
    return SignupConfirmed(signup_id=uuid.uuid4(), campaign_id=campaign, supporter_key="k")


async def test_an_event_the_handler_rejects_is_dead_lettered_and_the_rest_applied(
    shared_settings: SharedSettings, unique: str
) -> None:
    topic_prefix = shared_settings.topic_prefix
    events = [confirmed("bad" if i == 5 else f"c{i % 3}") for i in range(12)]
    await publish(shared_settings, events)
    applied: list[Received] = []

    async def handler(batch: list[Received]) -> None:
        if any(r.event.campaign_id == "bad" for r in batch):  # type: ignore[attr-defined]
            raise EventRejected("campaign 'bad' cannot be applied")
        applied.extend(batch)

    group = f"g-{unique}"
    bootstrap = shared_settings.kafka_bootstrap
    consumer = group_member(bootstrap, topic_prefix, group, SignupConfirmed.topic, handler)
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))

    async def all_good_applied() -> bool:
        return len({r.event.event_id for r in applied}) == 11

    try:
        await until(all_good_applied, task)
    finally:
        stop.set()
        await task
    assert {r.event.event_id for r in applied} == {e.event_id for e in events} - {
        events[5].event_id
    }
    [record] = await dead_letters(shared_settings, 1)
    headers = {k: v.decode() for k, v in record.headers}
    assert record.value == events[5].encode()
    assert headers["stage"] == "apply"
    assert headers["error"] == "EventRejected"
    assert "campaign 'bad'" in headers["reason"]
    assert headers["source_topic"] == topic_prefix + SignupConfirmed.topic
    assert headers["group"] == group
    assert dead_lettered(group, SignupConfirmed.topic, "apply") == 1


class BrokenDependency(Exception):
    """An error that is neither the event's nor the store's: the consumer cannot judge it."""


async def test_any_other_error_stops_the_consumer_and_commits_nothing(
    shared_settings: SharedSettings, unique: str
) -> None:
    event = confirmed("c")
    await publish(shared_settings, [event])
    group = f"g-{unique}"
    seen: list[Received] = []

    async def broken(batch: list[Received]) -> None:
        seen.extend(batch)
        raise BrokenDependency("something the handler needs is broken")

    def consumer(handler: Callable[[list[Received]], Awaitable[None]]) -> EventConsumer:
        shared = shared_settings
        return group_member(
            shared.kafka_bootstrap, shared.topic_prefix, group, SignupConfirmed.topic, handler
        )

    with pytest.raises(BrokenDependency):
        await asyncio.wait_for(consumer(broken).run(asyncio.Event()), timeout=30)
    assert [r.event for r in seen] == [event]
    assert dead_lettered(group, SignupConfirmed.topic, "apply") == 0

    # Nothing was committed: the next member of the group reads the event again.
    again: list[Received] = []

    async def collect(batch: list[Received]) -> None:
        again.extend(batch)

    stop = asyncio.Event()
    task = asyncio.create_task(consumer(collect).run(stop))

    async def read_again() -> bool:
        return bool(again)

    try:
        await until(read_again, task)
    finally:
        stop.set()
        await task
    assert [r.event for r in again] == [event]


async def test_a_store_outage_is_waited_out_and_the_batch_applied_once_it_ends(
    shared_settings: SharedSettings, unique: str
) -> None:
    event = confirmed("c")
    await publish(shared_settings, [event])
    tries: list[Received] = []

    async def store_back_on_the_third_try(batch: list[Received]) -> None:
        tries.extend(batch)
        if len(tries) < 3:
            raise AutoReconnect("the database went away")

    stop = asyncio.Event()
    consumer = EventConsumer(
        shared_settings.kafka_bootstrap,
        group_id=f"g-{unique}",
        topics=[SignupConfirmed.topic],
        handler=store_back_on_the_third_try,
        prefix=shared_settings.topic_prefix,
        client_id="test",
    )
    task = asyncio.create_task(consumer.run(stop))

    async def applied() -> bool:
        return len(tries) >= 3

    try:
        await until(applied, task)
    finally:
        stop.set()
        await task  # it did not stop on the outage
    assert [r.event for r in tries] == [event] * 3


async def test_an_odd_address_from_the_webhook_does_not_stop_the_projector(
    shared_settings: SharedSettings, database: ServiceDatabase, unique: str
) -> None:
    """`x@localhost` is no address a signup could have: the projector's canonical form refuses
    it. Before, that stopped signup-projector on this batch for good, erasures with it."""
    odd = SupporterUnsubscribed(email="x@localhost", source="webhook", reason="bounce")
    pledge = signed(supporter_key="k1", occurred_at=datetime.now(UTC))
    await publish(shared_settings, [odd, pledge])
    group = f"projector-{unique}"
    settings = ProjectorSettings(
        shared=shared_settings,
        mongo_database=database.db.name,
        projector_group=group,
        supporter_key_secret=SecretStr("secret"),
    )
    stop = asyncio.Event()
    task = asyncio.create_task(project(settings, stop))

    async def projected() -> bool:
        return await database.db["supporters"].count_documents({}) == 1

    try:
        await until(projected, task)
    finally:
        stop.set()
        await task
    record = await database.db["supporters"].find_one({})
    assert record is not None
    assert record["email"] == "awa@example.org"

    prefix = shared_settings.topic_prefix
    [letter] = await dead_letters(shared_settings, 1)
    headers = {k: v.decode() for k, v in letter.headers}
    assert letter.value == odd.encode()
    assert headers["error"] == "InvalidEmail"
    assert headers["source_topic"] == prefix + SupporterUnsubscribed.topic
    assert dead_lettered(group, SupporterUnsubscribed.topic, "apply") == 1
