"""`python -m bench.in_reads [facts] [tombstones]`: the reads by a list of values that FerretDB
1.24 cannot push down as `$in`, timed before and after `mobilise_runtime.mongo.find_in` (one
equality per value for a few values) on the stack's store (`make up` first):
- the counter's ledger load on assignment, for 1 and 2 of the 6 partitions (and all 6, read
  with one `$in` either way), in a ledger of `facts` signed facts (100,000 by default);
- erasure times of 1, 5 and 20 keyed hashes, in `tombstones` tombstones (20,000 by default).
Prints the median of REPEATS reads per shape. A database of its own, dropped after."""

from __future__ import annotations

import asyncio
import hashlib
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from counter.domain.entries import Entry
from counter.domain.facts import changes
from counter.repository.ledger import LedgerRepository
from devstack.config import StackConfig
from mobilise_runtime.mongo import Document, ServiceDatabase, erasure_times

PARTITIONS = 6
REPEATS = 5
AT = datetime(2026, 11, 29, tzinfo=UTC)


def _facts(count: int) -> list[Document]:
    facts: list[Document] = []
    for n in range(count):
        entry = Entry(
            campaign_id=f"c{n % 12:03d}",
            supporter_key=hashlib.sha256(str(n).encode()).hexdigest(),
            kind="pledge",
            country="FR",
            macro_region="150",
            signed_at=AT,
            signed_pos=f"signups_{n % 12 % PARTITIONS}:{n}",
        )
        facts.extend(changes(None, entry, (n % 12) % PARTITIONS))
    return facts


async def _median(read: Callable[[], Awaitable[int]]) -> tuple[float, int]:
    times, found = [], 0
    for _ in range(REPEATS):
        started = time.perf_counter()
        found = await read()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, found


async def main(cfg: StackConfig, facts: int, tombstones: int) -> None:
    database = ServiceDatabase(cfg.mongo_url, f"benchin_{uuid.uuid4().hex[:8]}", app_name="bench")
    ledger, erasures = database.db["ledger"], database.db["erasures"]
    try:
        repository = LedgerRepository(database.db)
        await repository.ensure_indexes()
        documents = _facts(facts)
        for start in range(0, len(documents), 2_000):
            await ledger.insert_many(documents[start : start + 2_000], ordered=False)
        hashes = [hashlib.sha256(f"e{n}".encode()).hexdigest() for n in range(tombstones)]
        for start in range(0, len(hashes), 2_000):
            chunk = hashes[start : start + 2_000]
            await erasures.insert_many([{"_id": h, "erased_at": AT} for h in chunk])
        print(f"{facts:,} ledger facts, {tombstones:,} tombstones ({cfg.store})")
        for owned in ([0], [0, 1], list(range(PARTITIONS))):

            async def before(owned: list[int] = owned) -> int:
                return len(await ledger.find({"partition": {"$in": owned}}).to_list())

            async def after(owned: list[int] = owned) -> int:
                loaded = await repository.load(owned)
                return sum(len(p) for p in loaded.values())

            (old, n_old), (new, n_new) = await _median(before), await _median(after)
            print(
                f"  ledger, {len(owned)} partition(s): $in {old:8.1f} ms ({n_old} facts)"
                f"  -> load {new:8.1f} ms ({n_new} entries)"
            )
        for asked in (1, 5, 20):
            wanted = hashes[:: max(1, len(hashes) // asked)][:asked]

            async def before_t(wanted: list[str] = wanted) -> int:
                return len(await erasures.find({"_id": {"$in": wanted}}).to_list())

            async def after_t(wanted: list[str] = wanted) -> int:
                return len(await erasure_times(erasures, wanted))

            (old, n_old), (new, n_new) = await _median(before_t), await _median(after_t)
            assert n_old == n_new == asked
            print(f"  erasure times of {asked:2}: $in {old:8.1f} ms  -> per id {new:8.1f} ms")
    finally:
        await database.client.drop_database(database.db.name)
        await database.close()


if __name__ == "__main__":
    numbers = [int(a) for a in sys.argv[1:] if a.isdigit()]
    facts, tombstones = (numbers + [100_000, 20_000][len(numbers) :])[:2]
    asyncio.run(main(StackConfig.from_env(), facts, tombstones))
