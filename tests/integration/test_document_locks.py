"""Document locks (mobilise_runtime.locks) on the real store: a lock is held by one writer at a
time, waited for while its holder writes, and taken over once its holder is gone for good."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from mobilise_runtime.locks import ABANDONED_AFTER_S, LOCKS, DocumentLocks
from mobilise_runtime.mongo import ServiceDatabase

TRIALS = 10


async def increment(client: ServiceDatabase, doc_id: int, start: asyncio.Barrier) -> None:
    await start.wait()
    async with DocumentLocks(client.db, "docs").holding(str(doc_id)):
        found = await client.db["docs"].find_one({"_id": doc_id}) or {}
        await client.db["docs"].replace_one({"_id": doc_id}, {"n": found["n"] + 1})


async def test_writers_racing_for_a_document_hold_it_one_at_a_time(
    database: ServiceDatabase, racers: list[ServiceDatabase]
) -> None:
    """Each writer reads a number and writes it back plus one, as FerretDB's update does: under
    the lock, none is lost."""
    docs = database.db["docs"]
    for trial in range(TRIALS):
        await docs.insert_one({"_id": trial, "n": 0})
        start = asyncio.Barrier(len(racers))
        await asyncio.gather(*(increment(c, trial, start) for c in racers))
        assert (await docs.find_one({"_id": trial}) or {})["n"] == len(racers), trial
    assert await database.db[LOCKS].count_documents({}) == 0


async def test_a_lock_left_by_a_writer_that_died_is_taken_over(database: ServiceDatabase) -> None:
    """Killed between taking and releasing it: the next writer takes it over once it is older
    than any live writer keeps one."""
    locks = database.db[LOCKS]
    left_at = datetime.now(UTC) - timedelta(seconds=ABANDONED_AFTER_S + 1)
    await locks.insert_one({"_id": "docs/a", "holder": "killed", "at": left_at})
    async with asyncio.timeout(10):
        async with DocumentLocks(database.db, "docs").holding("a"):
            held = await locks.find_one({"_id": "docs/a"}) or {}
            assert held["holder"] != "killed"
    assert await locks.count_documents({}) == 0


async def test_a_writer_waits_while_the_lock_is_held(database: ServiceDatabase) -> None:
    locks = database.db[LOCKS]
    await locks.insert_one({"_id": "docs/a", "holder": "other", "at": datetime.now(UTC)})
    entered = asyncio.Event()

    async def write() -> None:
        async with DocumentLocks(database.db, "docs").holding("a", "b"):
            entered.set()

    waiting = asyncio.create_task(write())
    await asyncio.sleep(0.3)  # nothing it may see yet: it must still be waiting
    assert not entered.is_set()
    await locks.delete_one({"_id": "docs/a"})  # the other writer is done
    await asyncio.wait_for(waiting, 10)
    assert await locks.count_documents({}) == 0
