"""Invalidations: the record of each (who, when, why, which filter, how many, its state) and the
supporter keys it took out, in parts of at most PART keys (one document and one event each)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from mobilise_runtime.errors import NotFound
from mobilise_runtime.locks import DocumentLocks
from mobilise_runtime.mongo import Document, find_existing
from signup.domain.errors import AlreadyExists

# Keys per part: an event stays far below Kafka's 1 MB message limit (a key is 64 characters).
PART = 2_000


class InvalidationRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._records = db["invalidations"]
        self._parts = db["invalidation_keys"]
        self._locks = DocumentLocks(db, "invalidations")

    async def ensure_indexes(self) -> None:
        await self._records.create_index([("campaign_id", ASCENDING), ("at", DESCENDING)])
        await self._parts.create_index("campaign_id")

    async def create(self, record: Document, keys: Sequence[str]) -> list[list[str]]:
        """Stores the keys, then the record (a record always has its keys); the parts."""
        parts = [list(keys[i : i + PART]) for i in range(0, len(keys), PART)]
        if parts:
            await self._parts.insert_many(
                [
                    {
                        "_id": f"{record['_id']}:{n}",
                        "invalidation_id": record["_id"],
                        "campaign_id": record["campaign_id"],
                        "keys": part,
                    }
                    for n, part in enumerate(parts, 1)
                ]
            )
        await self._records.insert_one(record)
        return parts

    async def parts(self, invalidation_id: uuid.UUID) -> list[list[str]]:
        found = self._parts.find({"invalidation_id": str(invalidation_id)})
        docs = sorted([d async for d in found], key=lambda d: int(d["_id"].rsplit(":", 1)[1]))
        return [d["keys"] for d in docs]

    async def held_out(self, campaign_id: str) -> set[str]:
        """The keys that invalidations of the campaign not reverted hold out."""
        live = {
            d["_id"]
            async for d in self._records.find(
                {"campaign_id": campaign_id, "state": {"$ne": "reverted"}}, {"_id": 1}
            )
        }
        keys: set[str] = set()
        async for part in self._parts.find({"campaign_id": campaign_id}):
            if part["invalidation_id"] in live:
                keys.update(part["keys"])
        return keys

    async def set_state(self, invalidation_id: uuid.UUID, changes: Document, *, was: str) -> None:
        """Moves a record on from state `was` (compare-and-set, under the record's lock: two
        reverts, one wins)."""
        async with self._locks.holding(str(invalidation_id)):
            result = await self._records.update_one(
                {"_id": str(invalidation_id), "state": was}, {"$set": changes}
            )
        if result.matched_count != 1:
            raise AlreadyExists(f"invalidation {invalidation_id} is no longer {was}")

    async def get(self, campaign_id: str, invalidation_id: uuid.UUID) -> Document:
        return await find_existing(
            self._records,
            {"_id": str(invalidation_id), "campaign_id": campaign_id},
            missing=NotFound(f"no invalidation {invalidation_id} in this campaign"),
        )

    async def of_campaign(self, campaign_id: str) -> list[Document]:
        """The campaign's invalidations, newest first."""
        found = self._records.find({"campaign_id": campaign_id}).sort("at", DESCENDING)
        return await found.to_list()
