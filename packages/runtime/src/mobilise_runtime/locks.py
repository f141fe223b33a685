"""One writer at a time per document, on FerretDB as on MongoDB.

FerretDB 1.24 applies a filtered update as a read, then a whole write by `_id`, with nothing
between: two writers that match one guard are both told they won, and one change is lost
(measured: docs/store-backends.md, "Which writes are atomic"). Only an insert of an `_id` already
there and the count of a delete are decided by the backend, so a document written by more than
one process is written under a lock built on inserts of unique `_id`s alone. (MongoDB needs none.)

A hold: the lock document `{collection}/{id}` is inserted with a fresh `holder` (one per hold)
and `at`; it is deleted once the writes are done. Its holder renews it while it holds it (every
ABANDONED_AFTER_S / 6) by inserting a *claim*: `{lock}#{holder}#{n}`, n = 1, 2, … (the lock
document itself is claim 0). A lock whose latest claim is older than ABANDONED_AFTER_S (its
holder died, or lost the store that long) is taken over by inserting that same next claim, with
`by` naming the taker; only the taker whose claim went in deletes the lock and its claims, then
takes the lock as anyone does. So:

- Claim n + 1 of a hold is inserted once: by its holder's renewal or by one taker, never both.
  A taker's read of the latest claim may be stale, but then the claim it inserts is one that
  exists already, and it loses. Nothing ever updates a lock or a claim (a filtered update is a
  read then a whole write on FerretDB, which a delete can race); claims are deleted only with
  their lock, when the hold is over.
- A taker may claim only once the latest claim is ABANDONED_AFTER_S old by its clock. The holder
  stops itself well before: when no claim of its own went in for its lease (lease_s(), half that
  age, counted from when it sent the claim), it cancels the writes inside the hold and raises
  LockLost, keeping the lock (a write it cancelled may still land: nobody may race it before the
  lock ages out). A holder alive that reaches the store is therefore never taken over, however long
  it holds; one that finds a claim of its hold inserted by someone else (clocks further apart than
  the lease) stops the same way. A taker that died between its claim and its delete leaves a claim
  that ages out like any other: the next taker claims the number after it.
- What this rests on, as any lease does: the processes' clocks agree to well within the lease,
  and a command the holder sent within its lease (a write, the release) is applied within
  ABANDONED_AFTER_S minus the lease of being sent. A hold that ends past its lease releases nothing
  and raises LockLost: its writes went through, but possibly after a takeover.
- The release deletes the hold's lock documents and claims by `holder` (unique to the hold);
  sent within the lease, no taker can have claimed them.
- Locks are taken in one order by every writer, so two never wait for each other; a hold waiting
  for one lock renews those it has taken already.
- A hold whose writes last MAX_HOLD_S (a hung write: docs/store-backends.md) is stopped as by a
  lost lease (LockLost, the lock kept until it ages out). The hold's own store calls (take, wait,
  release) each have the lease to answer, else LockLost, keeping what they may have taken.

LockLost is a ConnectionFailure: as when the connection fails mid-write, the outcome of the
writes is unknown, and callers treat it so (a consumer tries its batch again once the store
answers, an API answers 503)."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, ConnectionFailure

from mobilise_runtime.logging import get_logger
from mobilise_runtime.mongo import Document, only_duplicate_keys

log = get_logger(__name__)

LOCKS = "document_locks"
ABANDONED_AFTER_S = 15.0
POLL_S = 0.02
# Far above any write a hold covers, even a FerretDB update decoding a whole collection: a hang.
MAX_HOLD_S = 300.0


def renew_every_s() -> float:
    # Read when used: a test shortens ABANDONED_AFTER_S; two or three renewals fit in a lease.
    return ABANDONED_AFTER_S / 6


def lease_s() -> float:
    return ABANDONED_AFTER_S / 2


T = TypeVar("T")


class LockLost(ConnectionFailure):
    """A hold ran past its lease (its claims did not reach the store in time) or was taken over:
    the writes inside were stopped or may have raced another writer; their outcome is unknown."""


async def _bounded(call: Awaitable[T], what: str) -> T:
    """A store call of the hold's own, given the lease to answer (the client has no socket
    timeout: a call may otherwise wait for ever on a store that accepted it)."""
    try:
        async with asyncio.timeout(lease_s()):
            return await call
    except TimeoutError:
        raise LockLost(f"{what}: no answer from the store in {lease_s()} s") from None


class DocumentLocks:
    """Locks on the documents of one collection, taken by this process."""

    def __init__(self, db: AsyncDatabase[Document], collection: str) -> None:
        self._locks = db[LOCKS]
        self._collection = collection

    @asynccontextmanager
    async def holding(self, *ids: str) -> AsyncIterator[None]:
        """Holds the locks of these documents for the writes inside."""
        wanted = sorted({f"{self._collection}/{i}" for i in ids})
        if not wanted:
            yield
            return
        task = asyncio.current_task()
        assert task is not None
        hold = _Hold(self._locks, task)
        known = True
        try:
            await hold.take(wanted)
            yield
        except asyncio.CancelledError:
            if hold.stopped_by is None:
                raise
            known = False
            if task.uncancel() > 0:
                raise  # cancelled from outside as well
            raise LockLost(hold.stopped_by) from None
        except ConnectionFailure:
            known = False
            raise
        finally:
            await hold.end(release=known)


class _Hold:
    """The locks one `holding` has taken, and the claims that renew them."""

    def __init__(self, locks: AsyncCollection[Document], task: asyncio.Task[object]) -> None:
        self._locks = locks
        self._task = task
        self.holder = uuid.uuid4().hex
        # lock id -> (latest claim number of this hold, monotonic time it was first sent)
        self._claims: dict[str, tuple[int, float]] = {}
        self._renewing_since: float | None = None  # the first try of the claims being renewed
        self._writing_since: float | None = None  # every lock taken: the writes under it began
        self.ending = False
        self.stopped_by: str | None = None
        self._renewer = asyncio.create_task(self._keep())

    async def end(self, *, release: bool) -> None:
        """Stops renewing; releases the locks if the writes are known to be done (then raises
        LockLost if the hold ran past its lease: they may have raced a taker)."""
        self.ending = True
        self._renewer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._renewer
        if not release:
            return
        if self.stopped_by is not None:  # the writes inside went on anyway (it was cancelled)
            raise LockLost(self.stopped_by)
        if not self.within_lease():
            raise LockLost(f"held past its lease ({lease_s()} s without a claim): kept")
        await _bounded(self._locks.delete_many({"holder": self.holder}), "releasing")

    def within_lease(self) -> bool:
        oldest = min((sent for _, sent in self._claims.values()), default=time.monotonic())
        return time.monotonic() - oldest < lease_s()

    async def take(self, pending: list[str]) -> None:
        while pending:
            sent = time.monotonic()
            try:
                await _bounded(
                    self._locks.insert_many(
                        [{"_id": i, "holder": self.holder, "at": _now()} for i in pending],
                        ordered=True,
                    ),
                    "taking",
                )
                taken, pending = pending, []
            except BulkWriteError as exc:
                if not only_duplicate_keys(exc):
                    raise
                first = exc.details["writeErrors"][0]["index"]
                taken, pending = pending[:first], pending[first:]
            self._claims.update(dict.fromkeys(taken, (0, sent)))
            if pending:
                await self._wait(pending[0])
        self._writing_since = time.monotonic()

    async def _keep(self) -> None:
        """Renews the locks taken while the hold lasts; stops the hold when it cannot."""
        while not self.ending:
            oldest = min((s for _, s in self._claims.values()), default=time.monotonic())
            wake = oldest + renew_every_s()
            if self._writing_since is not None:
                wake = min(wake, self._writing_since + MAX_HOLD_S)
            await asyncio.sleep(max(0.0, wake - time.monotonic()))
            writing = self._writing_since
            if writing is not None and time.monotonic() - writing >= MAX_HOLD_S:
                self._stop(f"its writes went on for {MAX_HOLD_S} s, the most a hold may")
                return
            if not self._claims:
                continue
            left = oldest + lease_s() - time.monotonic()
            try:
                async with asyncio.timeout(left):
                    lost = await self._renew()
            except TimeoutError:
                self._stop(f"no claim went in for {lease_s()} s: the lease ran out")
                return
            except Exception as exc:
                log.warning("lock renewal failed: trying again", error=repr(exc)[:300])
                await asyncio.sleep(POLL_S * 10)
                continue
            if lost:
                self._stop(f"taken over by another writer: {lost}")
                return

    def _stop(self, why: str) -> None:
        if not self.ending:
            self.stopped_by = why
            log.warning("document lock lost: stopping the writes under it", reason=why)
            self._task.cancel()

    async def _renew(self) -> list[str]:
        """Inserts the next claim of every lock taken; the locks someone else claimed first."""
        if self._renewing_since is None:
            self._renewing_since = time.monotonic()
        nexts = {lock: n + 1 for lock, (n, _) in self._claims.items()}
        won = await _claim(self._locks, self.holder, nexts, by=self.holder)
        # A claim tried again (the answer to its first try lost) may date from that first try.
        for lock in won:
            self._claims[lock] = (nexts[lock], self._renewing_since)
        self._renewing_since = None
        return [lock for lock in nexts if lock not in won]

    async def _wait(self, lock_id: str) -> None:
        """Until the lock is free to take again (this process's own, kept after a write of
        unknown outcome, too: that write may still be on its way)."""
        while True:
            lock = await _bounded(self._locks.find_one({"_id": lock_id}), "waiting")
            if lock is None:
                return
            latest, at = 0, _utc(lock["at"])
            claims = self._locks.find({"lock": lock_id, "holder": lock["holder"]}).to_list()
            for claim in await _bounded(claims, "waiting"):
                if claim["n"] > latest:
                    latest, at = claim["n"], _utc(claim["at"])
            if _now() - at > timedelta(seconds=ABANDONED_AFTER_S):
                claiming = _claim(self._locks, lock["holder"], {lock_id: latest + 1}, self.holder)
                won = await _bounded(claiming, "taking over")
                if won:
                    log.warning("document lock taken over", lock=lock_id, held_by=lock["holder"])
                    # This lock and its claims only: a lock written before holds were
                    # renewed names its process, which may hold other locks alive.
                    gone = [{"_id": lock_id}, {"lock": lock_id}]
                    await _bounded(
                        self._locks.delete_many({"holder": lock["holder"], "$or": gone}),
                        "taking over",
                    )
                    return
            await asyncio.sleep(POLL_S)


async def _claim(
    locks: AsyncCollection[Document], holder: str, claims: dict[str, int], by: str
) -> set[str]:
    """Inserts claim `n` of each lock's hold by `holder`, on behalf of `by`; the locks whose
    claim is `by`'s (inserted now, or by an earlier try whose answer was lost)."""
    docs = [
        {"_id": f"{lock}#{holder}#{n}", "lock": lock, "holder": holder, "n": n, "by": by}
        for lock, n in claims.items()
    ]
    for doc in docs:
        doc["at"] = _now()
    try:
        await locks.insert_many(docs, ordered=False)
        return set(claims)
    except BulkWriteError as exc:
        if not only_duplicate_keys(exc):
            raise
        there = {
            docs[e["index"]]["_id"]: docs[e["index"]]["lock"] for e in exc.details["writeErrors"]
        }
    won = set(claims) - set(there.values())
    async for found in locks.find({"_id": {"$in": list(there)}, "by": by}):
        won.add(there[found["_id"]])
    return won


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)
