"""In-memory stand-ins of the counter's stores, for unit tests of BatchApplier's own logic: the
same compare-and-set rules as repository/ (an insert of an existing fact id, a guarded write whose
guard no longer holds: StaleWriter), and a ledger load that can be held between the moment it reads
and the moment it returns, as a slow query would be."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from typing import cast

from counter.application.apply import BatchApplier
from counter.domain.facts import Fact, Folder
from counter.domain.packed_entries import PackedEntries
from counter.repository.ledger import LedgerRepository
from counter.repository.totals import Change, StaleWriter, TotalsRepository
from mobilise_runtime.mongo import Document


class MemoryLedger:
    def __init__(self) -> None:
        self.facts: dict[str, Fact] = {}
        # When set, the next load reads at once, then waits for `release` before it returns.
        self.hold_next = False
        self.reading = asyncio.Event()
        self.release = asyncio.Event()

    async def load(self, partitions: Iterable[int]) -> dict[int, PackedEntries]:
        wanted = set(partitions)
        folders = {p: Folder() for p in wanted}
        for fact in list(self.facts.values()):
            if fact.get("partition") in wanted:
                folders[fact["partition"]].add(dict(fact))
        if self.hold_next:
            self.hold_next = False
            self.reading.set()
            await self.release.wait()
        return {p: f.entries for p, f in folders.items()}

    async def record(self, facts: Sequence[Fact]) -> None:
        duplicates = [f["_id"] for f in facts if f["_id"] in self.facts]
        self.facts.update({f["_id"]: dict(f) for f in facts if f["_id"] not in self.facts})
        if duplicates:
            raise StaleWriter(f"another writer recorded ledger facts first: {duplicates}")

    async def mark_erased(self, erased: Iterable[tuple[str, str]]) -> None:
        for campaign_id, key in erased:
            tombstone = {"campaign_id": campaign_id, "supporter_key": key, "fact": "erased"}
            self.facts.setdefault(f"{campaign_id}:{key}/erased", tombstone)


class MemoryDocuments:
    """Documents with their version, applied offsets and counts (flat `$inc` paths)."""

    def __init__(self) -> None:
        self.docs: dict[str, Document] = {}

    async def applied(self, ids: Iterable[str]) -> dict[str, tuple[int, dict[str, int]]]:
        found = [(i, self.docs[i]) for i in set(ids) if i in self.docs]
        return {i: (d["version"], dict(d["applied"])) for i, d in found}

    async def write(self, changes: Mapping[str, Change]) -> None:
        for doc_id, (version, *_) in changes.items():
            if self.docs.get(doc_id, {}).get("version", 0) != version:
                raise StaleWriter(f"another writer wrote {doc_id} first")
        for doc_id, (_, _, after, increments, extra) in changes.items():
            doc = self.docs.setdefault(doc_id, {"applied": {}, "version": 0})
            doc["applied"].update(after)
            doc.update(extra)
            doc["version"] += 1
            for path, n in increments.items():
                doc[path] = doc.get(path, 0) + n


class MemoryTotals:
    def __init__(self) -> None:
        self.totals = MemoryDocuments()
        self.history = MemoryDocuments()

    def counts(self, campaign_id: str) -> tuple[int, int]:
        doc = self.totals.docs.get(campaign_id, {})
        return doc.get("signed", 0), doc.get("confirmed", 0)


def memory_applier(ledger: MemoryLedger, totals: MemoryTotals, *, prefix: str) -> BatchApplier:
    return BatchApplier(
        cast(LedgerRepository, ledger), cast(TotalsRepository, totals), prefix=prefix
    )
