"""Closed campaigns anonymised (signup-retention): a campaign-level marker (`anonymised_at` on the
campaign) set once, then the campaign's supporter records deleted. The counter keeps the totals,
history and per-region counts, which hold no personal data, exactly as they were.

The marker is what keeps a replayed old event from bringing a record back: signup-projector
drops the signups and confirmations of a marked campaign. A batch it read before the marker was
set may still write a record after the deletion; every run deletes the records of every marked
campaign again, so such a record lives until the next run at most."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase

from mobilise_events import Signup, SignupConfirmed
from mobilise_runtime.kafka import Received
from mobilise_runtime.mongo import Document
from signup.repository.campaigns import campaign_lock
from signup.repository.supporters import SupporterRepository


class AnonymisationRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._campaigns = db["campaigns"]
        self._supporters = db["supporters"]
        self._records = SupporterRepository(db)  # written under their locks
        self._locks = campaign_lock(db)

    async def mark_closed_before(self, closed_before: datetime, *, now: datetime) -> int:
        """Marks the campaigns closed before then (not marked yet); how many. Marked closed
        too: moving its closes_at later does not take signups again."""
        due: Document = {"closes_at": {"$lt": closed_before}, "anonymised_at": {"$exists": False}}
        marked = 0
        async for campaign in self._campaigns.find(due, {"_id": 1}):
            # One at a time, each under its lock: an organiser's change of its dates meanwhile
            # either comes first (and the campaign is no longer due) or is refused.
            async with self._locks.holding(campaign["_id"]):
                result = await self._campaigns.update_one(
                    {"_id": campaign["_id"], **due},
                    {"$set": {"anonymised_at": now, "closed": True}},
                )
            marked += result.modified_count
        return marked

    async def delete_records(self) -> int:
        """Deletes every supporter record of a marked campaign; how many."""
        marked = [d["_id"] async for d in self._campaigns.find(_MARKED, {"_id": 1})]
        if not marked:
            return 0
        deleted = await self._supporters.delete_many({"campaign_id": {"$in": marked}})
        return deleted.deleted_count

    async def forget_networks(self, signed_before: datetime) -> int:
        """Drops the client networks of records first signed before then; how many records."""
        return await self._records.forget_networks(signed_before)

    async def kept(self, batch: Sequence[Received]) -> list[Received]:
        """The batch without the signups and confirmations of anonymised campaigns."""
        ids = sorted({r.event.campaign_id for r in batch if isinstance(r.event, _PERSONAL)})
        if not ids:
            return list(batch)
        query = {"_id": {"$in": ids}, **_MARKED}
        marked = {d["_id"] async for d in self._campaigns.find(query, {"_id": 1})}
        return [
            r
            for r in batch
            if not (isinstance(r.event, _PERSONAL) and r.event.campaign_id in marked)
        ]


_MARKED: Document = {"anonymised_at": {"$exists": True}}
_PERSONAL = (Signup, SignupConfirmed)
