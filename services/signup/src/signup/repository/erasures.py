"""Erasure tombstones: a keyed hash of the canonical email and when the person was erased, nothing
else. signup-projector writes one per `supporter.erased.v1` and drops any signup of that person that
happened before it, so that a replay of old events can never bring the person back."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from mobilise_runtime.mongo import Document, bulk_write, erasure_times


class ErasureRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._erasures = db["erasures"]

    async def record(self, erasures: Iterable[tuple[str, datetime]]) -> None:
        """Idempotent: a replayed erasure keeps the latest time."""
        writes = [
            UpdateOne({"_id": h}, {"$max": {"erased_at": at}}, upsert=True) for h, at in erasures
        ]
        await bulk_write(self._erasures, writes, ordered=False)

    async def erased_at(self, hashes: Iterable[str]) -> dict[str, datetime]:
        return await erasure_times(self._erasures, hashes)
