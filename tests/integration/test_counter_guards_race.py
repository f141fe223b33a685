"""Writers racing on one version of a totals document: exactly one moves it on. The zombie case
(a consumer that lost its partitions, and the new owner, both writing from the version they read)
and reconcile --repair against the consumer. FerretDB 1.24 does a filtered update by reading the
document, then writing it back whole by `_id`: two writers whose reads both match the guard both
"succeed", the last one's write is what stays, and the other's counts are lost while it believes
them written (measured: 4 writers, more than one success in nearly every trial). The writes
hold the documents' locks (mobilise_runtime.locks)."""

from __future__ import annotations

from collections.abc import Awaitable

from counter.repository.totals import Change, GuardedDocuments, StaleWriter, TotalsRepository
from mobilise_runtime.mongo import Document, ServiceDatabase
from tests.integration.racing import together

TRIALS = 10  # each a new document: a second success in any fails


def guarded(client: ServiceDatabase) -> GuardedDocuments:
    return TotalsRepository(client.db).totals


def change(version: int, offset: int) -> Change:
    return Change(version, {}, {"pledge_signed_0": offset}, {"signed": 1}, {})


async def won(attempts: list[Awaitable[None]]) -> list[bool]:
    """Which of the attempts, started together, succeeded (the others: StaleWriter)."""
    return [not isinstance(o, StaleWriter) for o in await together((StaleWriter,), attempts)]


async def test_writers_racing_on_one_version_move_it_once(
    database: ServiceDatabase, racers: list[ServiceDatabase]
) -> None:
    for trial in range(TRIALS):
        doc_id = f"c-{trial}"
        await guarded(database).write({doc_id: change(0, 1)})
        writers = [guarded(c) for c in racers]
        won_by = await won([w.write({doc_id: change(1, 2 + n)}) for n, w in enumerate(writers)])
        doc: Document = await database.db["totals"].find_one({"_id": doc_id}) or {}
        winner = won_by.index(True) if True in won_by else None
        assert (won_by.count(True), doc["signed"], doc["version"]) == (1, 2, 2), (trial, won_by)
        # The document is the winner's write, not a loser's.
        assert doc["applied"] == {"pledge_signed_0": 2 + (winner or 0)}


async def repaired(totals: TotalsRepository, doc_id: str) -> None:
    if not await totals.replace_counts(doc_id, 1, {"signed": 5}):
        raise StaleWriter("the document moved")


async def test_a_repair_racing_the_consumer_is_refused_or_refuses_it(
    database: ServiceDatabase, racers: list[ServiceDatabase]
) -> None:
    """reconcile --repair overwrites the counts of the version it read; the consumer adds to the
    same version. One of them wins; never both (the repair would erase what the consumer added,
    or the consumer add on top of a recount that already holds it)."""
    consumer, reconcile = racers[0], racers[1]
    for trial in range(TRIALS):
        doc_id = f"c-{trial}"
        await guarded(database).write({doc_id: change(0, 1)})
        repair = TotalsRepository(reconcile.db)
        write = guarded(consumer)

        wrote, replaced = await won([write.write({doc_id: change(1, 2)}), repaired(repair, doc_id)])
        doc: Document = await database.db["totals"].find_one({"_id": doc_id}) or {}
        assert wrote != replaced, (trial, doc)
        assert (doc["signed"], doc["version"]) == (2 if wrote else 5, 2), (trial, wrote, doc)
