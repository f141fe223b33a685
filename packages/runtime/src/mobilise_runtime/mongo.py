"""The one place that creates MongoDB clients (PyMongo's native async API).

FerretDB (dev, tests) and MongoDB (production) both sit behind this: use no multi-document
transactions, change streams or TTL indexes, and give every document a single writer."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import datetime
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from mobilise_runtime.errors import DomainError

Document = dict[str, Any]

# FerretDB 1.x (SQLite) deadlocks on a write command holding 100 or more updates that match
# existing documents (each keeps a pooled connection until the command ends); MongoDB does not
# mind. Every bulk write goes out in commands of at most this many.
WRITES_PER_COMMAND = 50


async def bulk_write(
    collection: AsyncCollection[Document], writes: Sequence[Any], *, ordered: bool
) -> None:
    for start in range(0, len(writes), WRITES_PER_COMMAND):
        await collection.bulk_write(
            list(writes[start : start + WRITES_PER_COMMAND]), ordered=ordered
        )


DUPLICATE_KEY = 11000  # MongoDB's error code for an insert-once document that is already there


def only_duplicate_keys(exc: BulkWriteError) -> bool:
    """Whether every error of this bulk write is a duplicate key (and there was one)."""
    errors = exc.details.get("writeErrors", [])
    concern = exc.details.get("writeConcernErrors", [])
    return bool(errors) and not concern and all(e.get("code") == DUPLICATE_KEY for e in errors)


def already_there(exc: BulkWriteError) -> list[int]:
    """The positions of the documents an unordered insert_many found there already (insert-once
    documents: someone recorded them first). Any other write error is raised again."""
    if not only_duplicate_keys(exc):
        raise exc
    return [e["index"] for e in exc.details["writeErrors"]]


async def insert_new(collection: AsyncCollection[Document], docs: Sequence[Document]) -> list[Any]:
    """Insert the documents that are not there yet (one unordered command: inserts are not what
    FerretDB deadlocks on); return the _ids of those that were."""
    if not docs:
        return []
    try:
        await collection.insert_many(list(docs), ordered=False)
    except BulkWriteError as exc:
        return [docs[i]["_id"] for i in already_there(exc)]
    return []


async def insert_unique(
    collection: AsyncCollection[Document], doc: Document, *, taken: DomainError
) -> None:
    """Insert `doc`, whose unique key (its `_id`, or a unique index) must be new; raise `taken`
    (the service's words for it) if it is there already."""
    try:
        await collection.insert_one(doc)
    except DuplicateKeyError as exc:
        raise taken from exc


async def find_existing(
    collection: AsyncCollection[Document], query: Document, *, missing: DomainError
) -> Document:
    """The one document `query` names; raise `missing` (the service's words) if there is none."""
    doc = await collection.find_one(query)
    if doc is None:
        raise missing
    return doc


async def find_in(
    collection: AsyncCollection[Document], field: str, values: Iterable[Any], *, each_max: int
) -> AsyncIterator[Document]:
    """The documents whose `field` is one of `values`. FerretDB 1.24 never pushes `$in` down:
    one decodes the whole collection, however few values it asks. An equality it pushes down
    (`_id` on both backends, any field on PostgreSQL), so up to `each_max` values are asked one
    query each (docs/store-backends.md, "What FerretDB pushes down"); more in one `$in`."""
    wanted = sorted(set(values))
    if len(wanted) > each_max:
        async for doc in collection.find({field: {"$in": wanted}}):
            yield doc
        return
    for value in wanted:
        async for doc in collection.find({field: value}):
            yield doc


# Erasures come a few at a time (a consumer's batch): a query each costs a lookup by `_id`, where
# one `$in` decodes every tombstone ever written. A batch of signups under load asks more.
TOMBSTONES_EACH_MAX = 20


async def erasure_times(
    tombstones: AsyncCollection[Document], hashes: Iterable[str]
) -> dict[str, datetime]:
    """When each of these keyed hashes was erased, for those ever erased: the erasure tombstones
    of a service are `{_id: hash, erased_at}` documents."""
    found = find_in(tombstones, "_id", hashes, each_max=TOMBSTONES_EACH_MAX)
    return {doc["_id"]: doc["erased_at"] async for doc in found}


class ServiceDatabase:
    """A service's own database (no service writes another's) and the client it came from."""

    def __init__(self, url: str, name: str, *, app_name: str) -> None:
        self.client: AsyncMongoClient[Document] = AsyncMongoClient(
            url,
            appname=app_name,
            tz_aware=True,
            serverSelectionTimeoutMS=5000,
            connectTimeoutMS=5000,
        )
        self.db: AsyncDatabase[Document] = self.client[name]

    async def ping(self) -> None:
        await self.db.command("ping")

    async def close(self) -> None:
        await self.client.close()
