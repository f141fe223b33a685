"""The dedupe ledger: one entry per (campaign, supporter key), no personal data."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import asdict, fields

from pymongo import ReplaceOne
from pymongo.asynchronous.database import AsyncDatabase

from counter.domain.aggregation import Entry
from mobilise_runtime.mongo import Document, bulk_write

_FIELDS = tuple(f.name for f in fields(Entry))


def _to_doc(entry: Entry) -> Document:
    return {"_id": entry.id, **asdict(entry)}


def _from_doc(doc: Document) -> Entry:
    return Entry(**{k: doc[k] for k in _FIELDS if k in doc})


class LedgerRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._ledger = db["ledger"]

    async def ensure_indexes(self) -> None:
        await self._ledger.create_index("campaign_id")

    async def load(self, ids: Iterable[str]) -> dict[str, Entry]:
        wanted = list(set(ids))
        if not wanted:
            return {}
        return {d["_id"]: _from_doc(d) async for d in self._ledger.find({"_id": {"$in": wanted}})}

    async def save(self, entries: Iterable[Entry]) -> None:
        """Write each entry's whole state: idempotent, and one write per entry per batch."""
        writes = [ReplaceOne({"_id": e.id}, _to_doc(e), upsert=True) for e in entries]
        await bulk_write(self._ledger, writes, ordered=False)

    async def of_campaign(self, campaign_id: str) -> AsyncIterator[Entry]:
        async for doc in self._ledger.find({"campaign_id": campaign_id}):
            yield _from_doc(doc)

    async def campaigns(self) -> list[str]:
        return sorted(await self._ledger.distinct("campaign_id"))
