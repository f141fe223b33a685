"""An API's records sent as record batches: those asked in one turn of the event loop go out
together, one batch per partition, and each caller is answered once ITS batch is acknowledged.

Why: aiokafka's `send` costs a coroutine, a size estimate, a partitioning, a future and its
resolution per record; an intake under load asks for ~10 records a turn. The partition is the
one `send` would choose (the producer's partitioner, over the same partition lists), one
sender per partition keeps the records' order, and a batch is answered only by its own ack
(acks=all), so nothing is acknowledged early and one failed batch fails its own records only."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from aiokafka.errors import KafkaConnectionError

# key, value, headers: one record as aiokafka takes it.
Record = tuple[bytes, bytes, list[tuple[str, bytes]]]


class BatchSink(Protocol):
    async def partitioner(self, topic: str) -> Callable[[bytes], int]:
        """The partition of each key, as the producer's `send` would choose it (waits for the
        topic's metadata as `send` does)."""
        ...

    async def send_batch(
        self, topic: str, partition: int, records: Sequence[Record]
    ) -> tuple[int, Awaitable[object]]:
        """Queues the first records (at least one) as one batch; how many it took, and what
        completes once they are acknowledged (or raises)."""
        ...


@dataclass(eq=False)
class _Turn:
    """The records asked in one turn: one timer bounds them all (not one per caller)."""

    remaining: int = 0
    timer: asyncio.TimerHandle | None = None


@dataclass(eq=False)
class _Pending:
    record: Record
    answer: asyncio.Future[None]
    turn: _Turn

    def settle(self, error: BaseException | None) -> None:
        if not self.answer.done():
            if error is None:
                self.answer.set_result(None)
            else:  # each caller raises its own copy (one traceback each)
                self.answer.set_exception(copy.copy(error))
        self.turn.remaining -= 1
        if self.turn.remaining == 0 and self.turn.timer is not None:
            self.turn.timer.cancel()


@dataclass(eq=False)
class _Partition:
    waiting: list[_Pending] = field(default_factory=list)
    sender: asyncio.Task[None] | None = None


class TurnBatches:
    def __init__(self, sink: BatchSink, *, timeout_s: float) -> None:
        self._sink = sink
        self._timeout_s = timeout_s
        self._turn: list[tuple[str, _Pending]] = []
        self._turn_state = _Turn()
        self._partitions: dict[tuple[str, int], _Partition] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        # What a sender has taken and not yet handed to an ack: failed if closed meanwhile.
        self._taken: set[_Pending] = set()

    async def publish(self, topic: str, record: Record) -> None:
        """Returns once the record is acknowledged; raises TimeoutError past `timeout_s`, or
        what failed its batch (KafkaError)."""
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[None] = loop.create_future()
        if not self._turn:
            self._turn_state = _Turn()
            loop.call_soon(self._end_turn)
        self._turn_state.remaining += 1
        self._turn.append((topic, _Pending(record, answer, self._turn_state)))
        await answer

    def _end_turn(self) -> None:
        asked, self._turn = self._turn, []
        loop = asyncio.get_running_loop()
        self._turn_state.timer = loop.call_later(self._timeout_s, _expire, asked)
        self._spawn(self._route(asked))

    async def _route(self, asked: list[tuple[str, _Pending]]) -> None:
        partitioners: dict[str, Callable[[bytes], int]] = {}
        for topic, pending in asked:
            try:
                if topic not in partitioners:
                    partitioners[topic] = await self._sink.partitioner(topic)
                partition = partitioners[topic](pending.record[0])
            except Exception as exc:  # no metadata (KafkaError), the turn's timeout: its own
                pending.settle(exc)
                continue
            queue = self._partitions.setdefault((topic, partition), _Partition())
            queue.waiting.append(pending)
            if queue.sender is None:
                queue.sender = self._spawn(self._send(topic, partition, queue))

    async def _send(self, topic: str, partition: int, queue: _Partition) -> None:
        """What waits for this partition, in order, a batch at a time: aiokafka takes a batch
        once the one before it went out, and what arrives meanwhile goes in the next."""
        try:
            while queue.waiting:
                batch, queue.waiting = queue.waiting, []
                self._taken.update(batch)
                while batch:
                    try:
                        taken, ack = await self._sink.send_batch(
                            topic, partition, [pending.record for pending in batch]
                        )
                    except Exception as exc:  # KafkaError (closed, no room in time)
                        self._settle(batch, exc)
                        break
                    sent, batch = batch[:taken], batch[taken:]
                    self._taken.difference_update(sent)
                    self._spawn(self._answer(sent, ack))
        finally:
            queue.sender = None
            if not queue.waiting:
                del self._partitions[(topic, partition)]

    async def _answer(self, sent: list[_Pending], ack: Awaitable[object]) -> None:
        try:
            await ack
        except asyncio.CancelledError:
            self._settle(sent, _closed())
            raise
        except Exception as exc:
            self._settle(sent, exc)
        else:
            self._settle(sent, None)

    def _settle(self, batch: list[_Pending], error: BaseException | None) -> None:
        self._taken.difference_update(batch)
        for pending in batch:
            pending.settle(error)

    def _spawn(self, work: Awaitable[None]) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def close(self) -> None:
        """Stops sending; whoever still waits gets the closed producer's error."""
        closing = list(self._tasks)
        for task in closing:
            task.cancel()
        await asyncio.gather(*closing, return_exceptions=True)
        stranded = list(self._taken) + [p for q in self._partitions.values() for p in q.waiting]
        stranded += [pending for _, pending in self._turn]
        for pending in stranded:
            if not pending.answer.done():
                pending.answer.set_exception(_closed())
        self._taken.clear()
        self._partitions.clear()


def _closed() -> Exception:
    closed: Exception = KafkaConnectionError("the publisher is closed")
    return closed


def _expire(asked: list[tuple[str, _Pending]]) -> None:
    for _, pending in asked:
        if not pending.answer.done():
            pending.answer.set_exception(TimeoutError())
