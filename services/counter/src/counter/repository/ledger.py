"""The dedupe ledger: one entry per (campaign, supporter key), no personal data, stored as facts
inserted once (see domain/facts.py), plus the tombstones erasures leave."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence

from pymongo.asynchronous.database import AsyncDatabase

from counter.domain.entries import Entry
from counter.domain.facts import Fact, Folder
from counter.domain.packed_entries import PackedEntries
from counter.repository.totals import StaleWriter
from mobilise_runtime.mongo import Document, find_in, insert_new

# A query per partition: on PostgreSQL FerretDB decodes that partition's facts only, where a
# `$in` decodes the whole ledger; on SQLite each decodes the whole ledger, so more partitions than
# this (one consumer owning most) are read in one `$in`, as the history is (repository/totals.py).
PARTITIONS_EACH_MAX = 2


class LedgerRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._ledger = db["ledger"]

    async def ensure_indexes(self) -> None:
        # MongoDB serves the reads below from these; FerretDB/SQLite scans either way, once per
        # assignment or reconcile run (never per event).
        await self._ledger.create_index("partition")
        await self._ledger.create_index("campaign_id")

    async def load(self, partitions: Iterable[int]) -> dict[int, PackedEntries]:
        """The entries of the campaigns on these partitions of the signup topics, by partition:
        a query per partition for a few (on PostgreSQL FerretDB decodes only theirs), else one."""
        folders = {p: Folder() for p in set(partitions)}
        async for fact in find_in(self._ledger, "partition", folders, each_max=PARTITIONS_EACH_MAX):
            folders[fact["partition"]].add(fact)
        return {p: f.entries for p, f in folders.items()}

    async def record(self, facts: Sequence[Fact]) -> None:
        """Insert new facts; a fact already there means this process's view was stale."""
        duplicates = await self._insert(facts)
        if duplicates:
            raise StaleWriter(f"another writer recorded ledger facts first: {duplicates[:5]}")

    async def mark_erased(self, erased: Iterable[tuple[str, str]]) -> None:
        """Tombstones of erased (campaign, supporter key) entries. Any consumer may write them,
        whoever owns the campaign: they are separate documents the owner never writes, so they
        cannot overwrite its entries; a tombstone already there is the same tombstone."""
        tombstones = {
            f"{campaign_id}:{key}/erased": {"campaign_id": campaign_id, "supporter_key": key}
            for campaign_id, key in erased
        }
        await self._insert([{"_id": i, "fact": "erased", **t} for i, t in tombstones.items()])

    async def _insert(self, facts: Sequence[Fact]) -> list[str]:
        """Insert what is not there yet; return the ids that were."""
        return [str(i) for i in await insert_new(self._ledger, facts)]

    async def of_campaign(self, campaign_id: str) -> AsyncIterator[Entry]:
        folder = Folder()
        async for fact in self._ledger.find({"campaign_id": campaign_id}):
            folder.add(fact)
        for entry in folder.entries.values():
            yield entry

    async def campaigns(self) -> list[str]:
        return sorted(await self._ledger.distinct("campaign_id"))
