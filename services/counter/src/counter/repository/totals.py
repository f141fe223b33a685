"""Campaign totals and per-minute history, written exactly once per event.

Each document carries, per topic, the offset after the last event applied to it (`applied`), and a
`version` that every write moves. A batch's write to a document skips what the document has
already applied, and is guarded by the version it read: if any other process wrote the document
meanwhile (a consumer that lost its partitions but did not know yet), whatever offsets that write
moved, this one matches nothing and the batch fails instead of writing from a stale view. The
writes hold the documents' locks (mobilise_runtime.locks): without them, FerretDB lets two
writers racing from the same version both through.
The documents' shape and ids: domain/totals_document.py."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from counter.domain.totals_document import CAMPAIGN_ID, HISTORY, HOUR, SLUG, TOTALS
from mobilise_runtime.locks import DocumentLocks
from mobilise_runtime.mongo import Document, bulk_write, only_duplicate_keys


class StaleWriter(RuntimeError):
    """Another process applied events to a document this batch meant to write."""


class Change(NamedTuple):
    """One document's guarded write."""

    version: int  # as read: the write applies only if the document still has it
    applied_before: dict[str, int]  # the applied offsets as read
    applied_after: dict[str, int]  # the applied offsets it moves on to
    increments: dict[str, int]  # $inc
    fields: Document  # extra $set


class GuardedDocuments:
    """A collection of documents that each know which offsets they have applied."""

    def __init__(self, collection: AsyncCollection[Document], locks: DocumentLocks) -> None:
        self._collection = collection
        self._locks = locks

    async def applied(self, ids: Iterable[str]) -> dict[str, tuple[int, dict[str, int]]]:
        """Per document found: (version, applied offsets); version 0 for one never versioned."""
        wanted = list(set(ids))
        cursor = self._collection.find({"_id": {"$in": wanted}}, {"applied": 1, "version": 1})
        return {d["_id"]: (d.get("version", 0), d.get("applied", {})) async for d in cursor}

    async def write(self, changes: Mapping[str, Change]) -> None:
        if changes:
            async with self._locks.holding(*changes):
                await self._write(changes)

    async def replace(self, doc_id: str, version: int, fields: Document) -> bool:
        """Overwrites fields of the document if it is still at `version` (and moves it on)."""
        guard: Document = {"_id": doc_id, "version": version or {"$exists": False}}
        async with self._locks.holding(doc_id):
            result = await self._collection.update_one(
                guard, {"$set": fields, "$inc": {"version": 1}}
            )
        return result.matched_count == 1

    async def _write(self, changes: Mapping[str, Change]) -> None:
        writes = []
        for doc_id, change in changes.items():
            guard: Document = {"_id": doc_id, "version": change.version or {"$exists": False}}
            applied = {f"applied.{k}": v for k, v in change.applied_after.items()}
            update: Document = {
                "$set": {**applied, **change.fields},
                "$inc": {**change.increments, "version": 1},
            }
            writes.append(UpdateOne(guard, update, upsert=True))
        try:
            await bulk_write(self._collection, writes, ordered=True)
        except BulkWriteError as exc:
            # The guard matched nothing, so the upsert tried to insert an existing _id; any
            # other write error (a full disk, a bad update) is not another writer's doing.
            if not only_duplicate_keys(exc):
                raise
            raise StaleWriter(f"another writer applied events first: {exc}") from exc
        except DuplicateKeyError as exc:
            raise StaleWriter(f"another writer applied events first: {exc}") from exc
        except KeyError as exc:
            # The same, from FerretDB 1.x: its answer to that failed update command has no
            # `nModified`, which PyMongo reads before it reports the duplicate key.
            raise StaleWriter(f"another writer applied events first (FerretDB: {exc})") from exc


class TotalsRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.totals = GuardedDocuments(db[TOTALS], DocumentLocks(db, TOTALS))
        self.history = GuardedDocuments(db[HISTORY], DocumentLocks(db, HISTORY))
        self._totals = db[TOTALS]
        self._history = db[HISTORY]

    async def ensure_indexes(self) -> None:
        await self._totals.create_index(SLUG)
        await self._history.create_index([(CAMPAIGN_ID, 1), (HOUR, 1)])

    async def counts(self, campaign_id: str) -> Document | None:
        return await self._totals.find_one({"_id": campaign_id})

    async def replace_counts(self, campaign_id: str, version: int, counts: Document) -> bool:
        """Overwrite the counts if the document is still at `version` (reconcile --repair): the
        counts recounted for what it had applied then. Moves the version: a consumer's write
        from the version before is refused, and reads the document again."""
        return await self.totals.replace(campaign_id, version, counts)
