"""Campaign totals and per-minute history, written exactly once per event.

Each document carries, per topic, the offset after the last event applied to it (`applied`), and a
`version` that every write moves. A batch's write to a document skips what the document has
already applied, and is guarded by the version it read: if any other process wrote the document
meanwhile (a consumer that lost its partitions but did not know yet), whatever offsets that write
moved, the batch fails instead of writing from a stale view. Every writer holds the documents'
locks (mobilise_runtime.locks) from its check of the versions to the end of its writes, so the
check and the writes are one compare-and-set (FerretDB's own guarded update is none: it lets two
writers racing from the same version both through).
The documents' shape and ids: domain/totals_document.py."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import NamedTuple, NoReturn

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from counter.domain.totals_document import (
    APPLIED,
    CAMPAIGN_ID,
    HISTORY,
    HOUR,
    SLUG,
    TOTALS,
    VERSION,
    history_fields,
)
from mobilise_runtime.locks import DocumentLocks
from mobilise_runtime.mongo import Document, only_duplicate_keys

# FerretDB applies the updates of one command one after another, each its own transaction; it
# serves a filter that is exactly `{_id: <string>}` from its index on SQLite, while any other
# filter (a version guard) reads the whole collection for each update. So a write checks the
# versions in one read under the locks, then updates by `_id` alone, in commands sent a few at a
# time (PostgreSQL runs them side by side). Updates in flight stay at most
# UPDATES_PER_COMMAND * COMMANDS_IN_FLIGHT, below FerretDB's pool (docs/store-backends.md).
UPDATES_PER_COMMAND = 16
COMMANDS_IN_FLIGHT = 3
# FerretDB never pushes `$in` down: a read by `_id $in` decodes the whole collection (1.4 s in
# 20,000 history documents on PostgreSQL). An equality on a plain field it pushes down on
# PostgreSQL, so a read of history documents asks one hour at a time: it decodes that hour's
# documents only, one a campaign (23 ms). docs/counter.md, "Reading history documents".
READS_IN_FLIGHT = 3
# On SQLite FerretDB pushes none of it down: each of those reads decodes the whole collection (a
# batch across an hour's end costs two). One that spans more hours than this (a backlog caught
# up) is read in one `$in` instead.
NARROWED_READS_MAX = 2

# A field every document of a collection holds, and its value, from the document's id.
Narrowing = Callable[[str], tuple[str, Hashable]]


def history_hour(doc_id: str) -> tuple[str, Hashable]:
    return HOUR, history_fields(doc_id)[HOUR]


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

    def __init__(
        self,
        collection: AsyncCollection[Document],
        locks: DocumentLocks,
        narrowing: Narrowing | None = None,
    ) -> None:
        self._collection = collection
        self._locks = locks
        self._narrowing = narrowing

    async def applied(self, ids: Iterable[str]) -> dict[str, tuple[int, dict[str, int]]]:
        """Per document found: (version, applied offsets); version 0 for one never versioned.
        With a narrowing, one read per value of its field (up to NARROWED_READS_MAX), each also
        filtered on it."""
        wanted = set(ids)
        groups: dict[tuple[str, Hashable] | None, list[str]] = {}
        for doc_id in wanted:
            narrowed = self._narrowing(doc_id) if self._narrowing else None
            groups.setdefault(narrowed, []).append(doc_id)
        if len(groups) > NARROWED_READS_MAX:
            groups = {None: list(wanted)}
        in_flight = asyncio.Semaphore(READS_IN_FLIGHT)

        async def read(narrowed: tuple[str, Hashable] | None, wanted: list[str]) -> list[Document]:
            query: Document = {"_id": {"$in": wanted}}
            if narrowed is not None:
                query[narrowed[0]] = narrowed[1]
            async with in_flight:
                return await self._collection.find(query, {APPLIED: 1, VERSION: 1}).to_list()

        parts = await asyncio.gather(*(read(n, w) for n, w in groups.items()))
        return {d["_id"]: (d.get(VERSION, 0), d.get(APPLIED, {})) for p in parts for d in p}

    async def write(self, changes: Mapping[str, Change]) -> None:
        if changes:
            async with self._locks.holding(*changes):
                await self._write(changes)

    async def replace(self, doc_id: str, version: int, fields: Document) -> bool:
        """Overwrites fields of the document if it is still at `version` (and moves it on)."""
        guard: Document = {"_id": doc_id, VERSION: version or {"$exists": False}}
        async with self._locks.holding(doc_id):
            result = await self._collection.update_one(
                guard, {"$set": fields, "$inc": {VERSION: 1}}
            )
        return result.matched_count == 1

    async def _write(self, changes: Mapping[str, Change]) -> None:
        """Under the documents' locks: checks every version, then writes by `_id` alone, a few
        commands at a time."""
        found = await self.applied(changes)
        moved = [i for i, c in changes.items() if found.get(i, (0, {}))[0] != c.version]
        if moved:
            raise StaleWriter(f"another writer applied events first to {moved[:5]}")
        writes = []
        for doc_id, change in changes.items():
            applied = {f"{APPLIED}.{k}": v for k, v in change.applied_after.items()}
            update: Document = {
                "$set": {**applied, **change.fields},
                "$inc": {**change.increments, VERSION: 1},
            }
            writes.append(UpdateOne({"_id": doc_id}, update, upsert=True))
        commands = [
            writes[start : start + UPDATES_PER_COMMAND]
            for start in range(0, len(writes), UPDATES_PER_COMMAND)
        ]
        in_flight = asyncio.Semaphore(COMMANDS_IN_FLIGHT)

        async def send(command: list[UpdateOne]) -> None:
            async with in_flight:
                await self._collection.bulk_write(command, ordered=True)

        # Every command ends before the write returns or fails: none lands during a later one.
        outcomes = await asyncio.gather(*map(send, commands), return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                _raise_stale_or(outcome)


def _raise_stale_or(exc: BaseException) -> NoReturn:
    """A duplicate key is an upsert that found the document there after all: a writer that does
    not take the locks created it. Any other write error (a full disk, a bad update) is not
    another writer's doing."""
    if isinstance(exc, BulkWriteError) and only_duplicate_keys(exc):
        raise StaleWriter(f"another writer applied events first: {exc}") from exc
    if isinstance(exc, KeyError):
        # The same, from FerretDB 1.x: its answer to that failed update command has no
        # `nModified`, which PyMongo reads before it reports the duplicate key.
        raise StaleWriter(f"another writer applied events first (FerretDB: {exc})") from exc
    raise exc


class TotalsRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.totals = GuardedDocuments(db[TOTALS], DocumentLocks(db, TOTALS))
        self.history = GuardedDocuments(db[HISTORY], DocumentLocks(db, HISTORY), history_hour)
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
