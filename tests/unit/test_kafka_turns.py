"""TurnBatches (mobilise_runtime.kafka.turns) against a typed fake of the producer's batch API
whose acknowledgements the test gives or fails batch by batch: a caller is answered by its own
batch's ack and nothing else, in order per partition, within the timeout. Against the real
Kafka: tests/integration/test_signup_intake.py, tests/faults (Kafka down)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import pytest
from aiokafka.errors import KafkaConnectionError, NotLeaderForPartitionError

from mobilise_runtime.kafka.turns import Record, TurnBatches
from tests.unit import polling


@dataclass
class Batch:
    topic: str
    partition: int
    keys: list[bytes]
    ack: asyncio.Future[None]


@dataclass
class FakeSink:
    """Partitions by the key's first byte; takes at most `room` records a batch."""

    room: int = 1000
    batches: list[Batch] = field(default_factory=list)
    slot: asyncio.Event | None = None  # while set to an unset Event: no batch is taken

    async def partitioner(self, topic: str) -> Callable[[bytes], int]:
        return lambda key: key[0] - ord("a")

    async def send_batch(
        self, topic: str, partition: int, records: Sequence[Record]
    ) -> tuple[int, Awaitable[object]]:
        if self.slot is not None:
            await self.slot.wait()
        taken = records[: self.room]
        ack: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.batches.append(Batch(topic, partition, [key for key, _, _ in taken], ack))
        return len(taken), ack


def record(key: str) -> Record:
    return key.encode(), b"{}", []


async def until(condition: Callable[[], bool]) -> None:
    """What the batches' own tasks make true."""
    await polling.until(condition, within_s=2, every_s=0.005)


def publishing(batches: TurnBatches, *keys: str) -> list[asyncio.Task[None]]:
    return [asyncio.ensure_future(batches.publish("t", record(key))) for key in keys]


async def test_each_caller_is_answered_by_its_own_batchs_ack_only() -> None:
    sink = FakeSink()
    batches = TurnBatches(sink, timeout_s=5)
    tasks = publishing(batches, "a1", "b1", "a2")
    await until(lambda: len(sink.batches) == 2)
    a, b = sorted(sink.batches, key=lambda batch: batch.partition)
    assert (a.partition, a.keys, b.partition, b.keys) == (0, [b"a1", b"a2"], 1, [b"b1"])
    await asyncio.sleep(0.01)
    assert not any(task.done() for task in tasks)  # sent, not acknowledged: nobody answered
    b.ack.set_result(None)
    await until(lambda: tasks[1].done())
    await asyncio.sleep(0.01)
    assert not tasks[0].done()
    assert not tasks[2].done()
    a.ack.set_result(None)
    await asyncio.gather(*tasks)


async def test_a_failed_batch_fails_its_own_callers_only() -> None:
    sink = FakeSink()
    batches = TurnBatches(sink, timeout_s=5)
    tasks = publishing(batches, "a1", "b1", "a2", "b2")
    await until(lambda: len(sink.batches) == 2)
    a, b = sorted(sink.batches, key=lambda batch: batch.partition)
    a.ack.set_exception(NotLeaderForPartitionError())
    b.ack.set_result(None)
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert [type(result) for result in results] == [
        NotLeaderForPartitionError,
        type(None),
        NotLeaderForPartitionError,
        type(None),
    ]


async def test_a_partitions_records_go_in_order_a_batch_at_a_time() -> None:
    slot = asyncio.Event()
    sink = FakeSink(room=2, slot=slot)
    batches = TurnBatches(sink, timeout_s=5)
    first = publishing(batches, "a1", "a2", "a3")
    await asyncio.sleep(0.01)
    later = publishing(batches, "a4")  # a turn later, while the first batch waits for room
    await asyncio.sleep(0.01)
    assert sink.batches == []
    slot.set()
    await until(lambda: len(sink.batches) == 3)
    assert [batch.keys for batch in sink.batches] == [[b"a1", b"a2"], [b"a3"], [b"a4"]]
    sink.batches[0].ack.set_result(None)
    await asyncio.gather(*first[:2])
    assert not first[2].done()
    assert not later[0].done()
    sink.batches[2].ack.set_result(None)
    await later[0]
    assert not first[2].done()  # acknowledged out of order: still only by its own batch
    sink.batches[1].ack.set_result(None)
    await first[2]


async def test_no_ack_within_the_timeout_is_a_timeout_for_each_caller() -> None:
    sink = FakeSink()
    batches = TurnBatches(sink, timeout_s=0.05)
    tasks = publishing(batches, "a1", "b1")
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert [type(result) for result in results] == [TimeoutError, TimeoutError]
    for batch in sink.batches:  # a late ack changes nothing for whoever was answered
        batch.ack.set_result(None)
    await asyncio.sleep(0.01)


async def test_a_batch_the_producer_refuses_fails_its_callers() -> None:
    class Refusing(FakeSink):
        async def send_batch(
            self, topic: str, partition: int, records: Sequence[Record]
        ) -> tuple[int, Awaitable[object]]:
            raise KafkaConnectionError("closed")

    batches = TurnBatches(Refusing(), timeout_s=5)
    with pytest.raises(KafkaConnectionError):
        await batches.publish("t", record("a1"))


async def test_closing_answers_whoever_still_waits() -> None:
    sink = FakeSink(slot=asyncio.Event())
    batches = TurnBatches(sink, timeout_s=5)
    tasks = publishing(batches, "a1")
    await asyncio.sleep(0.01)
    await batches.close()
    with pytest.raises(KafkaConnectionError):
        await tasks[0]
