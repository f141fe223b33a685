"""Publishes events durably: a send returns only once every in-sync replica has the record."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from aiokafka.partitioner import DefaultPartitioner, murmur2
from aiokafka.structs import RecordMetadata

from mobilise_events import Event
from mobilise_runtime.kafka.turns import Record, TurnBatches


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
        self._batches: list[TurnBatches] = []

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

    def batched(self, *, timeout_s: float) -> TurnBatches:
        """Publishing by record batches (`TurnBatches`), stopped with this publisher."""
        batches = TurnBatches(self, timeout_s=timeout_s)
        self._batches.append(batches)
        return batches

    async def stop(self) -> None:
        for batches in self._batches:
            await batches.close()
        if self._producer is not None:
            await self._producer.stop()

    @property
    def _started(self) -> AIOKafkaProducer:
        if self._producer is None:
            raise RuntimeError("EventPublisher.start() was not awaited")
        return self._producer

    def record(self, event: Event, *, key: str) -> tuple[str, Record]:
        """The event's topic and record (key, value, headers)."""
        headers = [("event_id", str(event.event_id).encode())]
        return self._prefix + event.topic, (key.encode(), event.encode(), headers)

    async def publish(self, event: Event, *, key: str) -> RecordMetadata:
        """Send and wait for the broker's acknowledgement; raises if the event is not durable."""
        topic, (key_bytes, value, headers) = self.record(event, key=key)
        return await self._started.send_and_wait(topic, value=value, key=key_bytes, headers=headers)

    async def partitioner(self, topic: str) -> Callable[[bytes], int]:
        """The partition `send` would choose for a key: the producer's partitioner over the
        same lists (`AIOKafkaProducer._partition`), once the topic's metadata is known."""
        producer = self._started
        partitions = list(await producer.partitions_for(topic))
        available = list(producer.client.cluster.available_partitions_for_topic(topic) or ())
        return lambda key: partition_for(key, partitions, available)

    async def send_batch(
        self, topic: str, partition: int, records: Sequence[Record]
    ) -> tuple[int, Awaitable[object]]:
        """The first records that fit one batch (at least one), queued; waits while the
        partition's batch before it has not gone out."""
        producer = self._started
        batch = producer.create_batch()
        taken = 0
        for key, value, headers in records:
            if batch.append(key=key, value=value, timestamp=None, headers=headers) is None:
                break
            taken += 1
        batch.close()  # its records are these: no other `send` joins them
        return taken, await producer.send_batch(batch, topic, partition=partition)

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
        self._batches = publisher.batched(timeout_s=timeout_s)
        self._unavailable = unavailable

    async def publish(self, event: Event, *, campaign_id: str | None) -> None:
        """Keyed by campaign: a campaign's events stay in order on one partition, so the
        consumer that owns it sees its signups, unsubscriptions and mailings in order."""
        topic, record = self._publisher.record(event, key=campaign_id or "")
        try:
            # By record batches, one timer a turn: no task, timer or future of aiokafka's per
            # signup on the intake's hot path (docs/benchmarks.md, the intake).
            await self._batches.publish(topic, record)
        except (TimeoutError, KafkaError) as exc:
            # Not "nothing was recorded": the producer keeps the event and still delivers it if
            # the broker is back within its request timeout (or wrote it and the ack was lost).
            raise self._unavailable() from exc
