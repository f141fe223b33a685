"""The consumer's memory of a partition's ledger against aiokafka's order of things: a new
assignment is in force, and `getmany` may return its records, before aiokafka awaits the
on-assigned hook (aiokafka 0.14, GroupCoordinator._on_join_complete). A batch can so load the
partition itself and apply events while the hook's own load is still reading."""

from __future__ import annotations

import asyncio

from mobilise_events import Event
from mobilise_runtime.kafka import Received
from tests.counter_stores import MemoryLedger, MemoryTotals, memory_applier
from tests.integration.test_counter_consumer import confirm, pledge

PREFIX = "u."
CAMPAIGN, KEY = "c-assigned", "supporter-x"


def at(event: Event, partition: int, offset: int) -> list[Received]:
    return [Received(event, PREFIX + event.topic, partition, offset)]


async def settled(task: asyncio.Task[None]) -> None:
    """Let `task` run until it is done or blocked (the in-memory stores never block it: a
    bounded number of turns of the event loop, no clock)."""
    for _ in range(100):
        if task.done():
            return
        await asyncio.sleep(0)


async def test_a_slow_assignment_load_never_replaces_what_a_batch_applied_meanwhile() -> None:
    """The hook's load reads the ledger before X's double opt-in signup is applied by a batch
    that loaded the partition itself, and returns after it: were its copy kept, X's confirmation
    would find X unknown, record it as seen before any signup, and count nothing."""
    ledger, totals = MemoryLedger(), MemoryTotals()
    applier = memory_applier(ledger, totals, prefix=PREFIX)
    ledger.hold_next = True
    hook = asyncio.create_task(applier.assigned([0]))
    await asyncio.wait_for(ledger.reading.wait(), 5)
    batch = asyncio.create_task(applier.apply(at(pledge(CAMPAIGN, KEY, "FR"), 0, 0)))
    await settled(batch)  # applied, or waiting for the hook: the stores here never wait
    ledger.release.set()
    await asyncio.wait_for(asyncio.gather(hook, batch), 5)
    assert totals.counts(CAMPAIGN) == (1, 0)
    await applier.apply(at(confirm(CAMPAIGN, KEY), 0, 0))
    assert totals.counts(CAMPAIGN) == (1, 1)


async def test_a_revocation_waits_for_the_load_in_progress() -> None:
    """Partition 0 is revoked while the hook is still reading it: the copy must not come back
    into memory after the revocation (a later assignment of 0 would then skip reading the
    ledger the other member wrote meanwhile)."""
    ledger, totals = MemoryLedger(), MemoryTotals()
    applier = memory_applier(ledger, totals, prefix=PREFIX)
    ledger.hold_next = True
    hook = asyncio.create_task(applier.assigned([0]))
    await asyncio.wait_for(ledger.reading.wait(), 5)
    revoking = asyncio.create_task(applier.revoked([0]))
    ledger.release.set()
    await asyncio.wait_for(asyncio.gather(hook, revoking), 5)
    other = memory_applier(ledger, totals, prefix=PREFIX)  # the member that got partition 0
    await other.apply(at(pledge(CAMPAIGN, KEY, "FR"), 0, 0))
    await applier.assigned([0])  # partition 0 comes back
    await applier.apply(at(confirm(CAMPAIGN, KEY), 0, 0))
    assert totals.counts(CAMPAIGN) == (1, 1)
