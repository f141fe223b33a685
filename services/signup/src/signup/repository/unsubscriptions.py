"""Unsubscriptions as facts of their own: a keyed hash of the person's canonical email (the
erasure tombstones' key), the campaign (None: every campaign) and the latest time, nothing else.

An unsubscription read before the signup it concerns (another topic: signup-projector reads them
in no set order, and a replay reads them again) matches no supporter record yet; signup-projector
keeps it here and copies it into each record a signup writes. An erasure forgets the person's
unsubscriptions up to its time, with the rest of their data."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from mobilise_runtime.mongo import Document, bulk_write

# (person key, campaign id or None for every campaign) → when.
Unsubscription = tuple[str, str | None, datetime]


def _id(person: str, campaign_id: str | None) -> str:
    return f"{person}:{campaign_id or ''}"


class UnsubscriptionRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._unsubscriptions = db["unsubscriptions"]

    async def ensure_indexes(self) -> None:
        await self._unsubscriptions.create_index("person")

    async def record(self, unsubscriptions: Iterable[Unsubscription]) -> None:
        """Idempotent and commutative: the latest time of each stays."""
        writes = [
            UpdateOne(
                {"_id": _id(person, campaign_id)},
                {
                    "$set": {"person": person, "campaign_id": campaign_id},
                    "$max": {"unsubscribed_at": at},
                },
                upsert=True,
            )
            for person, campaign_id, at in unsubscriptions
        ]
        await bulk_write(self._unsubscriptions, writes, ordered=False)

    async def of_people(self, people: Iterable[str]) -> list[Unsubscription]:
        wanted = sorted(set(people))
        if not wanted:
            return []
        cursor = self._unsubscriptions.find({"person": {"$in": wanted}})
        return [(d["person"], d["campaign_id"], d["unsubscribed_at"]) async for d in cursor]

    async def forget(self, person: str, until: datetime) -> None:
        """The person's unsubscriptions up to `until` (their erasure)."""
        await self._unsubscriptions.delete_many(
            {"person": person, "unsubscribed_at": {"$lte": until}}
        )
