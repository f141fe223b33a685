"""`python -m bench.history_reads [documents] [batch] [sqlite] [quick]`: the counter's reads of
history documents by id, in shapes FerretDB does or does not push down to its backend, timed in a
history collection of `documents` (20,000 by default, 20 campaigns) on the stack's store (`make up`
first), or with `sqlite` on a FerretDB on SQLite of its own (started, then removed). The ids
read: one campaign's last 48 hours (the API's history read), or with `batch` every campaign's
last two hours (a consumer batch). Prints, per shape, what FerretDB's `explain` says it pushed
down and the median time of reading the same ids (`quick`: only the current read, this
change's and find_one). A database of its own, dropped after."""

from __future__ import annotations

import asyncio
import random
import shutil
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.store_backends import scratch_config
from counter.domain.totals_document import CAMPAIGN_ID, HISTORY, HOUR, READ_HISTORY, hour_id
from counter.repository.queries import TotalsQueries
from counter.repository.totals import TotalsRepository
from devstack.config import StackConfig
from devstack.stack import down, up
from mobilise_runtime.mongo import Document, ServiceDatabase

CAMPAIGNS = 20
START = datetime(2026, 1, 1, tzinfo=UTC)
ASKED = 48  # one campaign's last 48 hours: what a two-day history chart reads
REPEATS = 7
IN_FLIGHT = 4

Read = Callable[[list[str]], Awaitable[list[Document]]]


def _documents(count: int) -> list[Document]:
    hours = count // CAMPAIGNS
    return [
        {
            "_id": hour_id(f"c{c:03d}", START + timedelta(hours=h)),
            CAMPAIGN_ID: f"c{c:03d}",
            HOUR: START + timedelta(hours=h),
            "minutes": {f"{m:02d}": {"signed": 1} for m in range(0, 60, 7)},
            "applied": {"signups_0": h},
            "version": 1,
        }
        for h in range(hours)
        for c in range(CAMPAIGNS)
    ]


def _by(key: str, ids: list[str]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for doc_id in ids:
        campaign, hour = doc_id.rsplit(":", 1)
        groups.setdefault(campaign if key == CAMPAIGN_ID else hour, []).append(doc_id)
    return groups


async def main(cfg: StackConfig, count: int) -> None:
    database = ServiceDatabase(cfg.mongo_url, f"benchhist_{uuid.uuid4().hex[:8]}", app_name="bench")
    history = database.db[HISTORY]
    try:
        repository, queries = TotalsRepository(database.db), TotalsQueries(database)
        await repository.ensure_indexes()
        documents = _documents(count)
        for start in range(0, len(documents), 2_000):
            await history.insert_many(documents[start : start + 2_000], ordered=False)
        last = START + timedelta(hours=count // CAMPAIGNS - 1)
        ids = [hour_id("c007", last - timedelta(hours=h)) for h in range(ASKED)]
        batch = "batch" in sys.argv
        if batch:  # a consumer batch: every campaign, the last two hours
            ids = [
                hour_id(f"c{c:03d}", last - timedelta(hours=h))
                for h in (0, 1)
                for c in range(CAMPAIGNS)
            ]
        in_flight = asyncio.Semaphore(IN_FLIGHT)

        def hour_of(doc_id: str) -> datetime:
            return datetime.strptime(doc_id.rsplit(":", 1)[1], "%Y-%m-%dT%H").replace(tzinfo=UTC)

        async def find(query: Document) -> list[Document]:
            return await history.find(query, READ_HISTORY).to_list()

        async def one(doc_id: str) -> list[Document]:
            async with in_flight:
                found = await history.find_one({"_id": doc_id}, READ_HISTORY)
            return [found] if found else []

        async def versions(read: Awaitable[dict[str, Any]]) -> list[Document]:
            return [{"_id": i} for i in await read]

        async def gathered(reads: list[Awaitable[list[Document]]]) -> list[Document]:
            return [d for part in await asyncio.gather(*reads) for d in part]

        shapes: dict[str, tuple[Document, Read]] = {
            "$in of _id (current)": (
                {"_id": {"$in": ids[:2]}},
                lambda i: find({"_id": {"$in": i}}),
            ),
            "$or of _id equalities": (
                {"$or": [{"_id": d} for d in ids[:2]]},
                lambda i: find({"$or": [{"_id": d} for d in i]}),
            ),
            "campaign_id equality + _id $in": (
                {CAMPAIGN_ID: "c007", "_id": {"$in": ids[:2]}},
                lambda i: gathered(
                    [
                        find({CAMPAIGN_ID: c, "_id": {"$in": g}})
                        for c, g in _by(CAMPAIGN_ID, i).items()
                    ]
                ),
            ),
            "hour equality + _id $in, per hour": (
                {HOUR: hour_of(ids[0]), "_id": {"$in": ids[:1]}},
                lambda i: gathered(
                    [find({HOUR: hour_of(g[0]), "_id": {"$in": g}}) for g in _by(HOUR, i).values()]
                ),
            ),
            "campaign_id equality + hour range + _id $in": (
                {CAMPAIGN_ID: "c007", HOUR: {"$gte": hour_of(ids[1]), "$lte": hour_of(ids[0])}},
                lambda i: gathered(
                    [
                        find(
                            {
                                CAMPAIGN_ID: c,
                                HOUR: {"$gte": min(map(hour_of, g)), "$lte": max(map(hour_of, g))},
                                "_id": {"$in": g},
                            }
                        )
                        for c, g in _by(CAMPAIGN_ID, i).items()
                    ]
                ),
            ),
            "this change: the consumer's read (per hour)": (
                {HOUR: hour_of(ids[0]), "_id": {"$in": ids[:1]}},
                lambda i: versions(repository.history.applied(i)),
            ),
            "this change: the API's read (campaign)": (
                {CAMPAIGN_ID: "c007", "_id": {"$in": ids[:2]}},
                lambda i: queries.history(i[0].rsplit(":", 1)[0], [hour_of(d) for d in i]),
            ),
            f"find_one by _id, {IN_FLIGHT} in flight": (
                {"_id": ids[0]},
                lambda i: gathered([one(d) for d in i]),
            ),
        }
        print(f"{count:,} history documents ({cfg.store}), {len(ids)} ids read each time")
        if batch:  # the API reads one campaign's hours, never a batch's
            del shapes["this change: the API's read (campaign)"]
        if "quick" in sys.argv:  # the current read, this change's, and find_one
            shapes = {
                k: v
                for k, v in shapes.items()
                if k.startswith(("this", "find_one")) or "current" in k
            }
        for name, (example, read) in shapes.items():
            plan = await database.db.command(
                "explain", {"find": HISTORY, "filter": example}, verbosity="queryPlanner"
            )
            times = []
            for _ in range(REPEATS):
                random.shuffle(ids)
                started = time.perf_counter()
                found = await read(ids)
                times.append(time.perf_counter() - started)
                if len(found) != len(ids):
                    raise RuntimeError(f"{name}: {len(found)} of {len(ids)} found")
            median = statistics.median(times) * 1000
            pushed = plan.get("filterPushdown", "(no filterPushdown: not FerretDB)")
            print(f"  {name:40} pushdown {pushed!s:5}  median {median:8.1f} ms")
    finally:
        await database.client.drop_database(database.db.name)
        await database.close()


if __name__ == "__main__":
    documents = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 20_000
    stack = StackConfig.from_env()
    if "sqlite" in sys.argv:
        scratch = scratch_config(stack, "sqlite")
        try:
            up(scratch, ["ferretdb"])
            asyncio.run(main(scratch, documents))
        finally:
            down(scratch, ["ferretdb"])
            shutil.rmtree(scratch.state, ignore_errors=True)
    else:
        asyncio.run(main(stack, documents))
