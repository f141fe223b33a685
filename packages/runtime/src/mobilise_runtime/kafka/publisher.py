"""Publishes events durably: a send returns only once every in-sync replica has the record."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Sequence

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from aiokafka.partitioner import DefaultPartitioner, murmur2
from aiokafka.structs import RecordMetadata

from mobilise_events import Event


@functools.lru_cache(maxsize=4096)
def _key_hash(key: bytes) -> int:
    return int(murmur2(key)) & 0x7FFFFFFF


def partition_for(key: bytes | None, all_partitions: Sequence[int], available: list[int]) -> int:
    """aiokafka's default partitioner (murmur2, as Kafka's Java client: every producer of ours
    puts a key on the same partition), with each key's hash remembered: aiokafka computes it in
    Python, ~10 us a message, and a few campaigns' ids are most of the keys."""
    if key is None:
        return int(DefaultPartitioner()(key, all_partitions, available))
    return all_partitions[_key_hash(key) % len(all_partitions)]


class EventPublisher:
    def __init__(self, bootstrap: str, *, prefix: str = "", client_id: str) -> None:
        self._prefix = prefix
        self._bootstrap = bootstrap
        self._client_id = client_id
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        # aiokafka binds its clients to the running event loop: create it inside the loop.
        producer = AIOKafkaProducer(
            bootstrap_servers=self._bootstrap,
            client_id=self._client_id,
            # acks=all + idempotence: an accepted signup is on every in-sync replica, and the
            # producer's own retries can never write it twice.
            acks="all",
            enable_idempotence=True,
            request_timeout_ms=10_000,
            # aiokafka keeps one request in flight per broker: what waits meanwhile goes out in
            # the next one, up to this much per partition (a campaign's signups share one).
            max_batch_size=512 * 1024,
            partitioner=partition_for,
        )
        try:
            await producer.start()
        except BaseException:
            # Closed here: the caller's stop() cannot reach a producer that never started.
            await producer.stop()
            raise
        self._producer = producer

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()

    @property
    def _started(self) -> AIOKafkaProducer:
        if self._producer is None:
            raise RuntimeError("EventPublisher.start() was not awaited")
        return self._producer

    async def publish(self, event: Event, *, key: str) -> RecordMetadata:
        """Send and wait for the broker's acknowledgement; raises if the event is not durable."""
        return await self._started.send_and_wait(
            self._prefix + event.topic,
            value=event.encode(),
            key=key.encode(),
            headers=[("event_id", str(event.event_id).encode())],
        )

    async def ping(self) -> None:
        await self._started.client.fetch_all_metadata()


class TimedPublisher:
    """An API's publisher: the event is on every in-sync replica within `timeout_s`, or the
    request gets the service's own `unavailable()` error (its 503)."""

    def __init__(
        self,
        publisher: EventPublisher,
        *,
        timeout_s: float,
        unavailable: Callable[[], Exception],
    ) -> None:
        self._publisher = publisher
        self._timeout_s = timeout_s
        self._unavailable = unavailable

    async def publish(self, event: Event, *, campaign_id: str | None) -> None:
        """Keyed by campaign: a campaign's events stay in order on one partition, so the
        consumer that owns it sees its signups, unsubscriptions and mailings in order."""
        try:
            # asyncio.timeout, not wait_for: no extra task per signup on the intake's hot path.
            async with asyncio.timeout(self._timeout_s):
                await self._publisher.publish(event, key=campaign_id or "")
        except (TimeoutError, KafkaError) as exc:
            # Not "nothing was recorded": the producer keeps the event and still delivers it if
            # the broker is back within its request timeout (or wrote it and the ack was lost).
            raise self._unavailable() from exc
