"""Kafka through aiokafka, as the services use it: durable publish, consumer group, dead letters."""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from devstack.config import StackConfig
from mobilise_events import DEAD_LETTER_TOPIC, TOPICS, PledgeSigned, SignupConfirmed
from mobilise_runtime.kafka import EventPublisher, Received, ensure_topics
from mobilise_runtime.kafka.admin import TopicLayoutError
from tests.group_member import group_member


def confirmed(campaign: str) -> SignupConfirmed:
    return SignupConfirmed(signup_id=uuid.uuid4(), campaign_id=campaign, supporter_key="k")


async def publish(stack: StackConfig, prefix: str, events: list[SignupConfirmed]) -> None:
    publisher = EventPublisher(stack.kafka_bootstrap, prefix=prefix, client_id="test")
    await publisher.start()
    try:
        for event in events:
            metadata = await publisher.publish(event, key=event.campaign_id)
            assert metadata.topic == prefix + event.topic
    finally:
        await publisher.stop()


async def consume(stack: StackConfig, prefix: str, group: str, count: int) -> list[Received]:
    """Run a group member until it handled `count` events, then stop it (which commits)."""
    got: list[Received] = []
    enough = asyncio.Event()

    async def collect(batch: list[Received]) -> None:
        got.extend(batch)
        if len(got) >= count:
            enough.set()

    consumer = group_member(stack.kafka_bootstrap, prefix, group, SignupConfirmed.topic, collect)
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        await asyncio.wait_for(enough.wait(), timeout=30)
    finally:
        stop.set()
        await task
    return got


async def test_topics_are_created_with_partitions_and_retention(
    stack: StackConfig, topic_prefix: str
) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=stack.kafka_bootstrap)
    await admin.start()
    try:
        names = [topic_prefix + spec.name for spec in TOPICS]
        described = await _described(admin, names)
        for spec in TOPICS:
            assert len(described[topic_prefix + spec.name]["partitions"]) == spec.partitions
        pledges = next(s for s in TOPICS if s.name == PledgeSigned.topic)
        resource = ConfigResource(ConfigResourceType.TOPIC, topic_prefix + pledges.name)
        configs = await admin.describe_configs([resource])
        entries = {e[0]: e[1] for e in configs[0].resources[0][4]}
        assert entries["retention.ms"] == str(pledges.retention_ms)
    finally:
        await admin.close()
    # A second run changes nothing.
    assert await ensure_topics(stack.kafka_bootstrap, prefix=topic_prefix) == []


async def _described(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, Any]:
    """The topics as the broker describes them, once its metadata has every one of them: a
    topic just created may be missing from a busy broker's answer for a moment."""
    deadline = time.monotonic() + 30
    while True:
        described = {t["topic"]: t for t in await admin.describe_topics(names)}
        known = [
            n
            for n in names
            if described.get(n, {}).get("error_code") == 0 and described[n]["partitions"]
        ]
        if len(known) == len(names) or time.monotonic() > deadline:
            return described
        await asyncio.sleep(0.2)


async def test_published_events_are_read_back_by_a_consumer_group(
    stack: StackConfig, topic_prefix: str, unique: str
) -> None:
    sent = [confirmed(f"campaign-{i % 3}") for i in range(20)]
    await publish(stack, topic_prefix, sent)
    got = await consume(stack, topic_prefix, f"g-{unique}", len(sent))
    assert sorted(r.event.event_id for r in got) == sorted(e.event_id for e in sent)
    # Same key, same partition: a campaign's events stay in order.
    partitions = {(r.event.campaign_id, r.partition) for r in got}  # type: ignore[attr-defined]
    assert len(partitions) == len({c for c, _ in partitions})

    # The offsets were committed: the same group reads only what came after.
    last = confirmed("campaign-0")
    await publish(stack, topic_prefix, [last])
    again = await consume(stack, topic_prefix, f"g-{unique}", 1)
    assert [r.event.event_id for r in again] == [last.event_id]


async def test_undecodable_messages_go_to_the_dead_letter_topic(
    stack: StackConfig, topic_prefix: str, unique: str
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap, acks="all")
    await producer.start()
    good = confirmed("c")
    topic = topic_prefix + SignupConfirmed.topic
    try:
        await producer.send_and_wait(topic, b'{"not": "an event"}', key=b"c")
        await producer.send_and_wait(topic, good.encode(), key=b"c")
    finally:
        await producer.stop()

    got = await consume(stack, topic_prefix, f"g-{unique}", 1)
    assert [r.event for r in got] == [good]

    reader = AIOKafkaConsumer(
        topic_prefix + DEAD_LETTER_TOPIC,
        bootstrap_servers=stack.kafka_bootstrap,
        auto_offset_reset="earliest",
    )
    await reader.start()
    try:
        record = await asyncio.wait_for(reader.getone(), timeout=20)
    finally:
        await reader.stop()
    headers = {k: v.decode() for k, v in record.headers}
    assert record.value == b'{"not": "an event"}'
    assert headers["source_topic"] == topic
    assert "signup_id" in headers["reason"]


async def test_a_topic_whose_partition_count_changed_under_its_data_is_refused(
    stack: StackConfig, unique: str
) -> None:
    prefix = f"t{unique}."
    pledges = next(s for s in TOPICS if s.name == PledgeSigned.topic)
    # As if someone had added partitions by hand: the campaigns' keys now hash elsewhere.
    grown = await ensure_topics(
        stack.kafka_bootstrap, prefix=prefix, specs=(dataclasses.replace(pledges, partitions=12),)
    )
    admin = AIOKafkaAdminClient(bootstrap_servers=stack.kafka_bootstrap)
    await admin.start()
    try:
        for _ in range(100):  # until the broker's metadata has the new topic
            described = await admin.describe_topics(grown)
            if not described[0]["error_code"] and len(described[0]["partitions"]) == 12:
                break
            await asyncio.sleep(0.05)
        with pytest.raises(TopicLayoutError, match=r"has 12 partitions.*configured for 6"):
            await ensure_topics(stack.kafka_bootstrap, prefix=prefix)
        described = await admin.describe_topics([prefix + s.name for s in TOPICS])
        assert [t["topic"] for t in described if not t["error_code"]] == grown  # nothing created
    finally:
        await admin.delete_topics(grown)
        await admin.close()
