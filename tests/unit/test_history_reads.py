"""The shape of the reads of history documents: FerretDB 1.24 never pushes `$in` down (a read
by `_id $in` alone decodes the whole collection, which grows by a document a campaign an hour),
so each read also carries an equality it pushes down (docs/counter.md, "Reading history
documents")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

from pymongo.asynchronous.database import AsyncDatabase

from counter.domain.totals_document import CAMPAIGN_ID, HISTORY, HOUR, hour_id
from counter.repository.queries import TotalsQueries
from counter.repository.totals import NARROWED_READS_MAX, TotalsRepository
from mobilise_runtime.mongo import Document, ServiceDatabase
from tests.unit.counter_fakes import Found

NINE = datetime(2026, 11, 29, 9, tzinfo=UTC)
TEN = datetime(2026, 11, 29, 10, tzinfo=UTC)


class RecordingCollection:
    """Answers every read with the documents its filter's `_id $in` names; keeps the filters."""

    def __init__(self) -> None:
        self.filters: list[Document] = []

    def find(self, query: Document, _projection: Any = None) -> Found:
        self.filters.append(query)
        return Found([{"_id": i, "version": 1, "applied": {}} for i in query["_id"]["$in"]])


class RecordingDatabase:
    def __init__(self) -> None:
        self.collections: dict[str, RecordingCollection] = {}

    def __getitem__(self, name: str) -> RecordingCollection:
        return self.collections.setdefault(name, RecordingCollection())


async def test_the_consumer_reads_history_versions_one_hour_at_a_time() -> None:
    db = RecordingDatabase()
    ids = [hour_id(c, at) for c in ("a", "b", "c") for at in (NINE, TEN)]
    found = await TotalsRepository(cast(AsyncDatabase[Document], db)).history.applied(ids)
    assert found == dict.fromkeys(ids, (1, {}))
    filters = db[HISTORY].filters
    assert sorted(f[HOUR] for f in filters) == [NINE, TEN]
    for query in filters:
        assert sorted(query["_id"]["$in"]) == sorted(hour_id(c, query[HOUR]) for c in "abc")


async def test_a_batch_over_more_hours_than_that_is_read_at_once() -> None:
    # On SQLite each read by hour decodes the whole collection: a backlog's batch reads it once.
    db = RecordingDatabase()
    hours = [NINE + timedelta(hours=h) for h in range(NARROWED_READS_MAX + 1)]
    ids = [hour_id("a", at) for at in hours]
    found = await TotalsRepository(cast(AsyncDatabase[Document], db)).history.applied(ids)
    assert found == dict.fromkeys(ids, (1, {}))
    [query] = db[HISTORY].filters
    assert sorted(query["_id"]["$in"]) == sorted(ids)
    assert HOUR not in query


async def test_the_api_reads_a_campaigns_history_with_the_campaign_in_the_filter() -> None:
    db = RecordingDatabase()
    database = cast(ServiceDatabase, type("Database", (), {"db": db})())
    await TotalsQueries(database).history("a", [NINE, TEN])
    assert db[HISTORY].filters == [
        {CAMPAIGN_ID: "a", "_id": {"$in": [hour_id("a", NINE), hour_id("a", TEN)]}}
    ]
