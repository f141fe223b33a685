"""Writers racing on one version of a totals document: exactly one moves it on. The zombie case
(a consumer that lost its partitions, and the new owner, both writing from the version they read)
and reconcile --repair against the consumer. FerretDB 1.24 does a filtered update by reading the
document, then writing it back whole by `_id`: two writers whose reads both match the guard both
"succeed", the last one's write is what stays, and the other's counts are lost while it believes
them written (measured: 4 writers, more than one success in nearly every trial). The writes
hold the documents' locks (mobilise_runtime.locks)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable

import pytest

from counter.repository.totals import Change, GuardedDocuments, StaleWriter, TotalsRepository
from devstack.config import StackConfig
from mobilise_runtime.mongo import Document, ServiceDatabase

WRITERS = 4  # processes racing at once, each with its own client
TRIALS = 10  # each a new document: a second success in any fails


@pytest.fixture
async def clients(
    stack: StackConfig, database: ServiceDatabase
) -> AsyncIterator[list[ServiceDatabase]]:
    """One client per writer, as each consumer process has its own: their commands reach the
    store at the same time."""
    made = [
        ServiceDatabase(stack.mongo_url, database.db.name, app_name=f"writer-{n}")
        for n in range(WRITERS)
    ]
    yield made
    for c in made:
        await c.close()


def guarded(client: ServiceDatabase) -> GuardedDocuments:
    return TotalsRepository(client.db).totals


def change(version: int, offset: int) -> Change:
    return Change(version, {}, {"pledge_signed_0": offset}, {"signed": 1}, {})


async def together(attempts: list[Awaitable[None]]) -> list[bool]:
    """Runs the attempts (not started yet) at the same moment; which of them succeeded (the
    others: StaleWriter)."""
    start = asyncio.Barrier(len(attempts))

    async def one(attempt: Awaitable[None]) -> bool:
        await start.wait()
        try:
            await attempt
        except StaleWriter:
            return False
        return True

    return list(await asyncio.gather(*(one(a) for a in attempts)))


async def test_writers_racing_on_one_version_move_it_once(
    database: ServiceDatabase, clients: list[ServiceDatabase]
) -> None:
    for trial in range(TRIALS):
        doc_id = f"c-{trial}"
        await guarded(database).write({doc_id: change(0, 1)})
        writers = [guarded(c) for c in clients]
        won = await together([w.write({doc_id: change(1, 2 + n)}) for n, w in enumerate(writers)])
        doc: Document = await database.db["totals"].find_one({"_id": doc_id}) or {}
        winner = won.index(True) if True in won else None
        assert (won.count(True), doc["signed"], doc["version"]) == (1, 2, 2), (trial, won, doc)
        # The document is the winner's write, not a loser's.
        assert doc["applied"] == {"pledge_signed_0": 2 + (winner or 0)}


async def repaired(totals: TotalsRepository, doc_id: str) -> None:
    if not await totals.replace_counts(doc_id, 1, {"signed": 5}):
        raise StaleWriter("the document moved")


async def test_a_repair_racing_the_consumer_is_refused_or_refuses_it(
    database: ServiceDatabase, clients: list[ServiceDatabase]
) -> None:
    """reconcile --repair overwrites the counts of the version it read; the consumer adds to the
    same version. One of them wins; never both (the repair would erase what the consumer added,
    or the consumer add on top of a recount that already holds it)."""
    consumer, reconcile = clients[0], clients[1]
    for trial in range(TRIALS):
        doc_id = f"c-{trial}"
        await guarded(database).write({doc_id: change(0, 1)})
        repair = TotalsRepository(reconcile.db)
        write = guarded(consumer)

        wrote, replaced = await together(
            [write.write({doc_id: change(1, 2)}), repaired(repair, doc_id)]
        )
        doc: Document = await database.db["totals"].find_one({"_id": doc_id}) or {}
        assert wrote != replaced, (trial, doc)
        assert (doc["signed"], doc["version"]) == (2 if wrote else 5, 2), (trial, wrote, doc)
