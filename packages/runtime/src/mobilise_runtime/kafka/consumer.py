"""One consumer loop per process: fetch a batch, decode it, hand it to the service, then commit.

Offsets are committed only after the handler returns, so a crash redelivers the batch (at least
once); handlers make their effects idempotent. A message that is not a valid event, or an event
whose handling raises an error that says it can never be applied (EventRejected, or one of the
service's `rejects`: a domain or validation error, never an infrastructure one), goes to the
dead-letter topic with the reason, counted in `mobilise_events_dead_lettered_total`, and the
partition moves on. A commit the group refuses (the partitions went to another member meanwhile)
is logged and the consumer goes on: the new owner applies the batch again. A store that does not
answer (FerretDB/MongoDB stopped or restarting) is waited for: the batch is handed over again with
bounded backoff until it is applied (mobilise_runtime.store_outage), its offsets still
uncommitted. Any other error stops the consumer without committing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TypedDict

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.coordinator.assignors.range import RangePartitionAssignor
from aiokafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from aiokafka.errors import CommitFailedError, IllegalStateError
from aiokafka.structs import ConsumerRecord
from bson.errors import InvalidDocument
from prometheus_client import Counter

from mobilise_events import DEAD_LETTER_TOPIC, Event, EventDecodeError, decode
from mobilise_runtime.logging import get_logger
from mobilise_runtime.store_outage import ride_out

log = get_logger(__name__)

DEAD_LETTERED = Counter(
    "mobilise_events_dead_lettered_total",
    "Events a consumer could not decode (stage=decode) or apply (stage=apply) and set aside on "
    "the dead-letter topic; any increase needs a look",
    ["group", "topic", "stage"],
)


# aiokafka's own default is the session timeout (10 s), shorter than a batch that reads a
# large ledger again; Kafka's Java client waits up to 5 minutes (max.poll.interval.ms).
REBALANCE_TIMEOUT_MS = 60_000


class EventRejected(Exception):
    """Raised by a handler for an event it can never apply, whatever it retries: the event is
    dead-lettered and the consumer goes on."""


# Errors that are the event's own, in every service: a document the database can never store.
ALWAYS_REJECTED: tuple[type[Exception], ...] = (EventRejected, InvalidDocument)


@dataclass(frozen=True)
class Received:
    event: Event
    topic: str
    partition: int
    offset: int


Handler = Callable[[list[Received]], Awaitable[None]]
# Told which (topic without the prefix, partition) pairs this member gained or lost.
PartitionsHook = Callable[[list[tuple[str, int]]], Awaitable[None]]


async def _nothing(partitions: list[tuple[str, int]]) -> None:
    pass


@dataclass(frozen=True)
class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    group_id: str
    in_hand: asyncio.Lock
    prefix: str
    on_assigned: PartitionsHook
    on_revoked: PartitionsHook

    def _pairs(self, partitions: Iterable[TopicPartition]) -> list[tuple[str, int]]:
        return [(tp.topic.removeprefix(self.prefix), tp.partition) for tp in partitions]

    async def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        # Hand partitions over only once the batch in hand is applied and committed, so the
        # next owner never works on the same documents at the same time.
        async with self.in_hand:
            await self.on_revoked(self._pairs(revoked))
            log.info("partitions revoked", group=self.group_id, partitions=_names(revoked))

    async def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        # Not before their first batch: aiokafka sets the assignment, and getmany may return its
        # records, before it awaits this hook (GroupCoordinator._on_join_complete). A handler
        # that keeps state per partition must order its loads and its batches itself.
        await self.on_assigned(self._pairs(assigned))
        log.info("partitions assigned", group=self.group_id, partitions=_names(assigned))


def _names(partitions: Iterable[TopicPartition]) -> list[str]:
    return sorted(f"{tp.topic}[{tp.partition}]" for tp in partitions)


class ConsumerOptions(TypedDict, total=False):
    """EventConsumer's tuning, each as its constructor explains; a process passes only its own."""

    max_batch: int
    co_partitioned: bool
    on_assigned: PartitionsHook
    on_revoked: PartitionsHook
    fetch_wait_ms: int
    rejects: tuple[type[Exception], ...]
    unavailable: tuple[type[Exception], ...]
    rebalance_timeout_ms: int


class EventConsumer:
    def __init__(
        self,
        bootstrap: str,
        *,
        group_id: str,
        topics: Iterable[str],
        handler: Handler,
        prefix: str = "",
        client_id: str,
        max_batch: int = 1000,
        co_partitioned: bool = False,
        on_assigned: PartitionsHook = _nothing,
        on_revoked: PartitionsHook = _nothing,
        fetch_wait_ms: int = 500,
        rejects: tuple[type[Exception], ...] = (),
        unavailable: tuple[type[Exception], ...] = (),
        rebalance_timeout_ms: int = REBALANCE_TIMEOUT_MS,
    ) -> None:
        """`co_partitioned`: give one member partition N of every topic (range assignment),
        for handlers whose documents are fed by several topics keyed alike. `on_assigned` /
        `on_revoked`: for handlers that keep state per partition. `fetch_wait_ms`: how long the
        broker may hold a fetch that has no new records for the partitions it asks about;
        meanwhile partitions left out of that fetch (their last records were still in hand)
        wait too, so a low value bounds the latency of a member whose partitions are not all
        busy. `rejects`: the service's errors that mean an event can never be applied (a
        domain or validation error: the same event always raises it); such an event is
        dead-lettered instead of stopping the consumer. `unavailable`: the service's errors that
        mean something the handler needs did not answer (besides the store): waited out like a
        store outage. `rebalance_timeout_ms`: how long a
        rebalance waits for this member to hand its partitions over (its batch in hand finished
        and committed first); a member slower than that is put out of the group while it still
        writes, so it must outlast the slowest batch."""
        self._prefix = prefix
        self._rejects = (*ALWAYS_REJECTED, *rejects)
        self._unavailable = unavailable
        self._topics = [prefix + t for t in topics]
        self._group_id = group_id
        self._client_id = client_id
        self._handler = handler
        self._max_batch = max_batch
        self._in_hand = asyncio.Lock()
        self._on_assigned = on_assigned
        self._on_revoked = on_revoked
        assignor = RangePartitionAssignor if co_partitioned else RoundRobinPartitionAssignor
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=group_id,
            client_id=client_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            fetch_max_wait_ms=fetch_wait_ms,
            partition_assignment_strategy=(assignor,),
            rebalance_timeout_ms=rebalance_timeout_ms,
        )
        self._dead_letters = AIOKafkaProducer(
            bootstrap_servers=bootstrap, client_id=f"{client_id}-deadletter", acks="all"
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop` is set; the batch in hand is finished and committed first.
        Both clients are closed however it ends, a failed start included (stopping one that
        never started is a no-op)."""
        try:
            await self._dead_letters.start()
            await self._consumer.start()
            listener = _Rebalance(
                self._group_id, self._in_hand, self._prefix, self._on_assigned, self._on_revoked
            )
            self._consumer.subscribe(self._topics, listener=listener)
            log.info("consumer started", group=self._group_id, topics=self._topics)
            while not stop.is_set():
                batches = await self._consumer.getmany(timeout_ms=500, max_records=self._max_batch)
                if batches:
                    async with self._in_hand:
                        await self._process(batches, stop)
        finally:
            try:
                await self._consumer.stop()
            finally:
                await self._dead_letters.stop()
            log.info("consumer stopped", group=self._group_id)

    async def _process(
        self, batches: dict[TopicPartition, list[ConsumerRecord]], stop: asyncio.Event
    ) -> None:
        received: list[tuple[Received, ConsumerRecord]] = []
        for records in batches.values():
            for record in records:
                try:
                    event = decode(record.topic, record.value or b"", self._prefix)
                except EventDecodeError as exc:
                    await self._dead_letter(record, "decode", exc.reason, exc)
                    continue
                received.append(
                    (Received(event, record.topic, record.partition, record.offset), record)
                )
        if received:
            await ride_out(
                lambda: self._apply(received),
                process=self._client_id,
                what=f"a batch of {len(received)} events",
                stop=stop,
                also=self._unavailable,
            )
        try:
            await self._consumer.commit(
                {tp: records[-1].offset + 1 for tp, records in batches.items()}
            )
        except (CommitFailedError, IllegalStateError) as exc:
            # The group gave these partitions to another member while this one applied the batch
            # (it was frozen, or cut off from the broker, past its session): its writes are
            # idempotent, and the new owner reads the batch again from the last commit. This
            # member rejoins and goes on; it used to exit here.
            log.warning(
                "batch applied, offsets not committed: the partitions moved to another member",
                group=self._group_id,
                partitions=_names(batches),
                error=f"{type(exc).__name__}: {exc}",
            )

    async def _apply(self, batch: list[tuple[Received, ConsumerRecord]]) -> None:
        """Hand the batch over; if it is refused, find the events that are refused on their own
        by halving it (in order: each partition's events stay in their order, and handlers
        take any split of a batch, as a redelivery may bring), and dead-letter those."""
        try:
            await self._handler([r for r, _ in batch])
        except self._rejects as exc:
            if len(batch) > 1:
                half = len(batch) // 2
                await self._apply(batch[:half])
                await self._apply(batch[half:])
                return
            await self._dead_letter(batch[0][1], "apply", f"{type(exc).__name__}: {exc}", exc)

    async def _dead_letter(
        self, record: ConsumerRecord, stage: str, reason: str, exc: Exception
    ) -> None:
        log.error(
            "event dead-lettered",
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            stage=stage,
            reason=reason[:1000],
            error=type(exc).__name__,
        )
        await self._dead_letters.send_and_wait(
            self._prefix + DEAD_LETTER_TOPIC,
            value=record.value,
            key=record.key,
            headers=[
                ("source_topic", record.topic.encode()),
                ("source_partition", str(record.partition).encode()),
                ("source_offset", str(record.offset).encode()),
                ("group", self._group_id.encode()),
                ("stage", stage.encode()),
                ("error", type(exc).__name__.encode()),
                ("reason", reason.encode()[:1000]),
            ],
        )
        DEAD_LETTERED.labels(self._group_id, record.topic.removeprefix(self._prefix), stage).inc()
