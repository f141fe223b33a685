"""MongoDB wire protocol through PyMongo's async client, against the local FerretDB."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pymongo.errors import DuplicateKeyError

from mobilise_runtime.mongo import ServiceDatabase


async def test_insert_and_find(database: ServiceDatabase) -> None:
    campaigns = database.db["campaigns"]
    at = datetime(2026, 3, 8, 9, 30, tzinfo=UTC)
    await campaigns.insert_many(
        [
            {"_id": "women-in-tech", "goal": 50_000, "countries": ["FR", "SN"], "opens_at": at},
            {"_id": "mentoring", "goal": 1_000, "countries": ["CI"], "opens_at": at},
        ]
    )
    found = await campaigns.find_one({"countries": "SN"})
    assert found == {
        "_id": "women-in-tech",
        "goal": 50_000,
        "countries": ["FR", "SN"],
        "opens_at": at,
    }
    names = [d["_id"] async for d in campaigns.find({"goal": {"$gte": 1_000}}).sort("goal", -1)]
    assert names == ["women-in-tech", "mentoring"]


async def test_conditional_update_and_unique_index(database: ServiceDatabase) -> None:
    totals = database.db["totals"]
    await totals.create_index("key", unique=True)
    await totals.insert_one({"key": "c1/p0", "signed": 1, "offset": 10})
    # A write guarded by the stored offset applies once, however often it is replayed.
    for _ in range(3):
        await totals.update_one(
            {"key": "c1/p0", "offset": {"$lt": 11}}, {"$inc": {"signed": 1}, "$set": {"offset": 11}}
        )
    assert (await totals.find_one({"key": "c1/p0"}, {"_id": 0})) == {
        "key": "c1/p0",
        "signed": 2,
        "offset": 11,
    }
    with pytest.raises(DuplicateKeyError):
        await totals.insert_one({"key": "c1/p0"})


async def test_ping_reaches_the_server(database: ServiceDatabase) -> None:
    await database.ping()
    info = await database.db.command("buildInfo")
    assert info["ok"] == 1
