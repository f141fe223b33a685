"""The shape of the reads by a list of values: FerretDB 1.24 never pushes `$in` down (a read by
`$in` decodes the whole collection, however few values it asks), so a few values are read with
one equality each, which it pushes down (mobilise_runtime.mongo.find_in)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import cast

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from counter.repository.ledger import PARTITIONS_EACH_MAX, LedgerRepository
from mobilise_runtime.mongo import TOMBSTONES_EACH_MAX, Document, erasure_times

ERASED = datetime(2026, 11, 29, 9, tzinfo=UTC)


class RecordingCollection:
    """Answers a find by one field (an equality or an `$in`) from its documents; keeps the
    filters."""

    def __init__(self, documents: list[Document]) -> None:
        self.documents = documents
        self.filters: list[Document] = []

    def find(self, query: Document) -> AsyncIterator[Document]:
        self.filters.append(query)
        [(field, wanted)] = query.items()
        values = wanted["$in"] if isinstance(wanted, dict) else [wanted]
        return self._found([d for d in self.documents if d.get(field) in values])

    async def _found(self, documents: list[Document]) -> AsyncIterator[Document]:
        for doc in documents:
            yield doc


def _tombstones(hashes: list[str]) -> RecordingCollection:
    return RecordingCollection([{"_id": h, "erased_at": ERASED} for h in hashes])


async def test_a_few_erasure_times_are_read_one_id_each() -> None:
    tombstones = _tombstones(["h1", "h3"])
    found = await erasure_times(cast(AsyncCollection[Document], tombstones), ["h3", "h1", "h2"])
    assert found == {"h1": ERASED, "h3": ERASED}
    assert tombstones.filters == [{"_id": "h1"}, {"_id": "h2"}, {"_id": "h3"}]


async def test_more_erasure_times_than_that_are_read_at_once() -> None:
    hashes = [f"h{i:03d}" for i in range(TOMBSTONES_EACH_MAX + 1)]
    tombstones = _tombstones(hashes[:2])
    found = await erasure_times(cast(AsyncCollection[Document], tombstones), hashes)
    assert found == {"h000": ERASED, "h001": ERASED}
    assert tombstones.filters == [{"_id": {"$in": hashes}}]


class LedgerDatabase:
    def __init__(self, facts: list[Document]) -> None:
        self.ledger = RecordingCollection(facts)

    def __getitem__(self, name: str) -> RecordingCollection:
        assert name == "ledger"
        return self.ledger


def _ledger(partitions: range) -> LedgerDatabase:
    return LedgerDatabase([{"_id": f"f{p}", "partition": p} for p in partitions])


async def test_the_ledger_of_a_few_partitions_is_read_one_partition_each() -> None:
    db = _ledger(range(6))
    wanted = list(range(PARTITIONS_EACH_MAX))
    loaded = await LedgerRepository(cast(AsyncDatabase[Document], db)).load(wanted)
    assert sorted(loaded) == wanted
    assert db.ledger.filters == [{"partition": p} for p in wanted]


async def test_the_ledger_of_more_partitions_is_read_at_once() -> None:
    db = _ledger(range(6))
    wanted = list(range(PARTITIONS_EACH_MAX + 1))
    loaded = await LedgerRepository(cast(AsyncDatabase[Document], db)).load(wanted)
    assert sorted(loaded) == wanted
    assert db.ledger.filters == [{"partition": {"$in": wanted}}]
