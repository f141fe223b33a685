"""FerretDB's two backends side by side in one run: SQLite (the embedded default) as the baseline
column, PostgreSQL as the other. Each runs in a FerretDB of its own, started fresh by devstack for
this benchmark (free ports, data under .local/bench-store/, removed after), sharing the stack's
Kafka; every operation is measured on one backend then on the other before the next, so that a
busy machine weighs on both alike. Rows: bare insert_many of 100,000 ledger documents, `_id`
lookups and guarded updates (filter `_id` + a field) in that 100,000-document collection, then the
counter consumer benchmark (counter_throughput.py) on each."""

from __future__ import annotations

import dataclasses
import functools
import random
import shutil
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

from bench import counter_throughput
from bench.counter_process import isolated
from bench.harness import Memory, Report, Result
from counter.repository.ledger import LedgerRepository
from devstack.config import StackConfig
from devstack.install import install_postgresql
from devstack.stack import down, up
from mobilise_runtime.mongo import Document, ServiceDatabase

BASELINE, OTHER = "sqlite", "postgresql"
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
BATCH = 2_000  # documents per insert_many
# Lookups and updates take ~0.03-0.6 s each at 100,000 documents: each backend gets this long.
PROBE_S = 8.0
PROBE_MIN = 5


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def scratch_config(cfg: StackConfig, store: str) -> StackConfig:
    """A FerretDB of `store` of this benchmark's own, beside the stack's, on the stack's Kafka."""
    return dataclasses.replace(
        cfg,
        store=store,
        state=cfg.state / "bench-store" / store,
        mongo_port=_free_port(),
        ferretdb_debug_port=_free_port(),
        postgres_port=_free_port(),
    )


@contextmanager
def scratch_stores(cfg: StackConfig) -> Iterator[dict[str, StackConfig]]:
    install_postgresql()
    stores = {store: scratch_config(cfg, store) for store in (BASELINE, OTHER)}
    try:
        for scratch in stores.values():
            up(scratch, ["postgresql", "ferretdb"])
        yield stores
    finally:
        for scratch in stores.values():
            down(scratch, ["postgresql", "ferretdb"])
            shutil.rmtree(scratch.state, ignore_errors=True)


class Labelled(Report):
    """Rows of another benchmark, named with the backend they ran on, into the run's report."""

    def __init__(self, report: Report, label: str) -> None:  # no file of its own
        self.report, self.label = report, label

    def add(self, result: Result | Memory) -> None:
        if isinstance(result, Memory):
            self.report.add(dataclasses.replace(result, load=f"{result.load} ({self.label})"))
        else:
            self.report.add(dataclasses.replace(result, name=f"{self.label}: {result.name}"))

    def failed(self, benchmark: str, error: BaseException) -> None:
        self.report.failed(f"{self.label}: {benchmark}", error)


async def _probe(operation: Callable[[], Awaitable[None]]) -> float:
    """Operations/s of `operation` repeated for PROBE_S (at least PROBE_MIN times)."""
    done, started = 0, time.perf_counter()
    while done < PROBE_MIN or time.perf_counter() - started < PROBE_S:
        await operation()
        done += 1
    return done / (time.perf_counter() - started)


class Collection:
    """The 100,000 ledger documents of one backend, in a database of this benchmark's own."""

    def __init__(self, scratch: StackConfig, documents: list[Document]) -> None:
        self.database = ServiceDatabase(
            scratch.mongo_url, f"bench_{uuid.uuid4().hex[:8]}", app_name="bench"
        )
        self.ledger = self.database.db["ledger"]
        self.documents = documents
        self.rng = random.Random(18)
        self.updates = 0

    async def insert(self) -> float:
        await LedgerRepository(self.database.db).ensure_indexes()
        started = time.perf_counter()
        for start in range(0, len(self.documents), BATCH):
            await self.ledger.insert_many(self.documents[start : start + BATCH], ordered=False)
        return len(self.documents) / (time.perf_counter() - started)

    async def lookup(self) -> None:
        wanted = self.rng.choice(self.documents)
        if await self.ledger.find_one({"_id": wanted["_id"]}) is None:
            raise RuntimeError(f"{wanted['_id']} not found")

    async def guarded_update(self) -> None:
        """The shape of the counter's single-writer writes: `_id` and a guard field."""
        wanted = self.rng.choice(self.documents)
        self.updates += 1
        done = await self.ledger.update_one(
            {"_id": wanted["_id"], "partition": wanted["partition"]},
            {"$set": {"bench_touched": self.updates}},
        )
        if done.matched_count != 1:
            raise RuntimeError(f"{wanted['_id']} not matched")

    async def drop(self) -> None:
        await self.database.client.drop_database(self.database.db.name)
        await self.database.close()


def _row(what: str, unit: str, measured: dict[str, float]) -> Result:
    return Result(
        f"FerretDB store, {what}: {NAMES[BASELINE]} (baseline) vs {NAMES[OTHER]}",
        unit,
        measured[BASELINE],
        measured[OTHER],
        "—",
    )


async def run(cfg: StackConfig, _prefix: str, report: Report) -> None:
    documents = counter_throughput._ledger_documents()
    count = len(documents)
    with scratch_stores(cfg) as stores:
        collections = {store: Collection(scratch, documents) for store, scratch in stores.items()}
        try:
            insert = f"bare insert_many of {count:,} ledger documents (batches of {BATCH:,})"
            measured = {store: await c.insert() for store, c in collections.items()}
            report.add(_row(f"{insert}, the ledger's indexes", "docs/s", measured))
            for what, operation in (
                ("find_one by `_id`", Collection.lookup),
                ("guarded update_one (filter `_id` + a field)", Collection.guarded_update),
            ):
                # Per minute: a few per second at most on SQLite.
                measured = {
                    store: 60 * await _probe(functools.partial(operation, c))
                    for store, c in collections.items()
                }
                each = ", ".join(f"{NAMES[s]} {60_000 / m:,.0f} ms" for s, m in measured.items())
                report.add(_row(f"{what} in {count:,} documents ({each} each)", "/min", measured))
        finally:
            for collection in collections.values():
                await collection.drop()
        for store, scratch in stores.items():
            labelled = Labelled(report, f"FerretDB on {NAMES[store]}")
            try:
                await isolated(scratch, labelled, counter_throughput.run)
            except Exception as error:  # the other backend still runs
                labelled.failed("counter throughput", error)
