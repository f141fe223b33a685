"""Reading what landed in a topic, for assertions: every record, from the beginning, no group."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, TopicPartition

from mobilise_events import Event, decode


async def end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = [
                TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()
            ]
        ends = await consumer.end_offsets(partitions)
        return {tp.partition: offset for tp, offset in ends.items()}
    finally:
        await consumer.stop()


async def read_events(bootstrap: str, topic: str, prefix: str, *, count: int) -> list[Event]:
    """The first `count` events of `topic` (waits up to 20 s for them)."""
    return [e for _, e in await read_keyed(bootstrap, topic, prefix, count=count)]


async def read_keyed(
    bootstrap: str, topic: str, prefix: str, *, count: int
) -> list[tuple[bytes | None, Event]]:
    """The first `count` events of `topic` with their Kafka keys (waits up to 20 s for them)."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    events: list[tuple[bytes | None, Event]] = []
    try:
        async with asyncio.timeout(20):
            while len(events) < count:
                batches = await consumer.getmany(timeout_ms=500)
                for records in batches.values():
                    events.extend((r.key, decode(r.topic, r.value or b"", prefix)) for r in records)
    finally:
        await consumer.stop()
    return events
