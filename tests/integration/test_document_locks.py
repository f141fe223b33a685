"""Document locks (mobilise_runtime.locks) on the real store: a lock is held by one writer at a
time, waited for while its holder writes, and taken over once its holder is gone for good."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from pymongo.errors import ConnectionFailure

from mobilise_runtime import locks
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


# Shortened for the tests below, which hold a lock past the takeover age: short enough to keep
# them quick, long enough that a renewal reaches a busy store within the lease (a third of it).
SHORT_ABANDONED_S = 6.0


async def until(condition: Callable[[], bool], within_s: float) -> bool:
    """Polls the condition until it holds or the time is up; whether it held."""
    deadline = time.monotonic() + within_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def test_a_holder_slowed_past_the_takeover_age_keeps_its_lock(
    monkeypatch: pytest.MonkeyPatch, racers: list[ServiceDatabase]
) -> None:
    """A holder alive but slow (a guarded update on a large collection, several writes under one
    hold) is not taken over: the other writer waits, and neither's change is lost."""
    monkeypatch.setattr(locks, "ABANDONED_AFTER_S", SHORT_ABANDONED_S)
    slow, other = racers[0].db, racers[1].db
    await slow["docs"].insert_one({"_id": 1, "n": 0})
    holds, entered = asyncio.Event(), asyncio.Event()
    seen_inside: list[bool] = []

    async def slow_writer() -> None:
        async with DocumentLocks(slow, "docs").holding("1"):
            found = await slow["docs"].find_one({"_id": 1}) or {}
            holds.set()
            # Slow for twice the takeover age, unless the other writer gets in meanwhile.
            seen_inside.append(await until(entered.is_set, 2 * SHORT_ABANDONED_S))
            await slow["docs"].replace_one({"_id": 1}, {"n": found["n"] + 1})

    async def other_writer() -> None:
        await holds.wait()
        async with DocumentLocks(other, "docs").holding("1"):
            found = await other["docs"].find_one({"_id": 1}) or {}
            entered.set()
            await other["docs"].replace_one({"_id": 1}, {"n": found["n"] + 1})

    await asyncio.gather(slow_writer(), other_writer())
    assert seen_inside == [False], "the other writer took the lock of a holder alive"
    assert (await slow["docs"].find_one({"_id": 1}) or {})["n"] == 2
    assert await slow[LOCKS].count_documents({}) == 0


async def test_a_holder_that_lost_its_lock_stops_before_its_write(
    monkeypatch: pytest.MonkeyPatch, database: ServiceDatabase
) -> None:
    """A hold whose next claim someone else inserted (what a taker does when the holder's clock
    runs far from its own) is stopped: its write is not sent, the outcome is reported unknown
    (a ConnectionFailure), and it keeps its lock for the taker."""
    monkeypatch.setattr(locks, "ABANDONED_AFTER_S", SHORT_ABANDONED_S)
    lock_docs, docs = database.db[LOCKS], database.db["docs"]
    await docs.insert_one({"_id": 1, "n": 0})
    taken_over = asyncio.Event()

    async def write() -> None:
        async with DocumentLocks(database.db, "docs").holding("1"):
            held = await lock_docs.find_one({"_id": "docs/1"}) or {}
            claim = {"lock": "docs/1", "holder": held["holder"], "n": 1, "by": "a taker"}
            await lock_docs.insert_one(
                {"_id": f"docs/1#{held['holder']}#1", **claim, "at": datetime.now(UTC)}
            )
            taken_over.set()
            await until(lambda: False, 2 * SHORT_ABANDONED_S)  # slow: the renewal comes first
            await docs.replace_one({"_id": 1}, {"n": 1})

    with pytest.raises(ConnectionFailure):
        await write()
    assert taken_over.is_set()
    assert (await docs.find_one({"_id": 1}) or {})["n"] == 0, "written under a lost lock"
    assert await lock_docs.find_one({"_id": "docs/1"}) is not None


async def test_a_hold_whose_write_hangs_stops_at_its_maximum_and_lets_the_next_writer_in(
    monkeypatch: pytest.MonkeyPatch, racers: list[ServiceDatabase]
) -> None:
    """A write that never ends while the renewals land (a hung store call): the hold stops it
    once it has lasted MAX_HOLD_S, reports the outcome unknown, and keeps its lock until it ages
    out; only then does the next writer get in, so the two never write at once."""
    monkeypatch.setattr(locks, "ABANDONED_AFTER_S", SHORT_ABANDONED_S)
    monkeypatch.setattr(locks, "MAX_HOLD_S", 2.0)
    hung, other = racers[0].db, racers[1].db
    await hung["docs"].insert_one({"_id": 1, "n": 0})
    holds = asyncio.Event()
    stopped_at: list[float] = []
    entered_at: list[float] = []

    async def hung_write() -> None:
        async with DocumentLocks(hung, "docs").holding("1"):
            holds.set()
            await asyncio.Event().wait()  # the write that never answers
            await hung["docs"].replace_one({"_id": 1}, {"n": 100})

    async def hung_writer() -> None:
        started = time.monotonic()
        with pytest.raises(ConnectionFailure):
            await hung_write()
        stopped_at.append(time.monotonic())
        # Stopped near its maximum: the renewals alone would have kept it for ever.
        assert stopped_at[0] - started < 2.0 + SHORT_ABANDONED_S / 2

    async def other_writer() -> None:
        await holds.wait()
        async with DocumentLocks(other, "docs").holding("1"):
            entered_at.append(time.monotonic())
            await other["docs"].update_one({"_id": 1}, {"$inc": {"n": 1}})

    async with asyncio.timeout(6 * SHORT_ABANDONED_S):
        await asyncio.gather(hung_writer(), other_writer())
    assert stopped_at[0] < entered_at[0], "the next writer got in while the hold was on"
    assert (await hung["docs"].find_one({"_id": 1}) or {})["n"] == 1
    assert await hung[LOCKS].count_documents({}) == 0
