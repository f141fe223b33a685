"""One writer at a time per document, on FerretDB as on MongoDB.

FerretDB 1.24 does a filtered update (update_one/many, replace_one, find_one_and_update) by
reading the matching documents, then writing each back whole by `_id`, with nothing between the
two (internal/handler/common/update.go). Two writers whose reads both match a guard are both told
they modified the document, and the last write stays whole: the other's change is lost (a
`$push`, a `$set` of another field, an `$inc`), while its writer believes it applied. Measured on
both backends: 4 writers racing on one document, two or more "won" in 27-30 trials of 30. What
FerretDB does atomically is refuse an insert of an `_id` already there, and count the rows a
delete removed.

So a document written by more than one process is written under a lock: the insert of
`{collection}/{id}` into `document_locks`, deleted once the write is done. With every writer of
the document holding it, a guarded update is a compare-and-set again, and no update undoes
another. (MongoDB needs none of this; it costs it two small writes.)

A lock whose holder died between taking and releasing it is taken over after ABANDONED_AFTER_S
(by deleting that exact lock: one taker only). A holder alive never keeps one that long: its
write is the next command it sends. The clocks of the processes must agree to well within that.
A lock is kept, not released, when the write's outcome is unknown (the connection failed): that
write may still land, and nobody may race it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, ConnectionFailure

from mobilise_runtime.mongo import Document, only_duplicate_keys

LOCKS = "document_locks"
ABANDONED_AFTER_S = 15.0
POLL_S = 0.02


class DocumentLocks:
    """Locks on the documents of one collection, taken by this process."""

    def __init__(self, db: AsyncDatabase[Document], collection: str) -> None:
        self._locks = db[LOCKS]
        self._collection = collection
        self._holder = uuid.uuid4().hex

    @asynccontextmanager
    async def holding(self, *ids: str) -> AsyncIterator[None]:
        """Holds the locks of these documents for the writes inside."""
        taken = await self._take(ids)
        known = True
        try:
            yield
        except ConnectionFailure:
            known = False
            raise
        finally:
            if known:
                await self._locks.delete_many({"_id": {"$in": taken}, "holder": self._holder})

    async def _take(self, ids: Iterable[str]) -> list[str]:
        # Taken in one order by every writer, so that two never wait for each other.
        pending = sorted({f"{self._collection}/{i}" for i in ids})
        taken: list[str] = []
        while pending:
            try:
                await self._locks.insert_many(
                    [{"_id": i, "holder": self._holder, "at": _now()} for i in pending],
                    ordered=True,
                )
                return taken + pending
            except BulkWriteError as exc:
                if not only_duplicate_keys(exc):
                    raise
                first = exc.details["writeErrors"][0]["index"]
                taken += pending[:first]
                pending = pending[first:]
            await self._wait(pending[0])
        return taken

    async def _wait(self, lock_id: str) -> None:
        """Until the lock is free to take again (this process's own, kept after a write of
        unknown outcome, too: that write may still be on its way)."""
        while True:
            lock = await self._locks.find_one({"_id": lock_id})
            if lock is None:
                return
            if _now() - _utc(lock["at"]) > timedelta(seconds=ABANDONED_AFTER_S):
                await self._locks.delete_one(
                    {"_id": lock_id, "holder": lock["holder"], "at": lock["at"]}
                )
                return
            await asyncio.sleep(POLL_S)


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)
