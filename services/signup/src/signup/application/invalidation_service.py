"""Invalidating a campaign's signups, and reverting that: match the filter on the signup
service's own supporter records, keep the record and the matched keys, publish the keys as
`signups.invalidated.v1` (the counter takes them out of the totals), mark the record applied.

What is matched is what the records hold when the organiser asks: a signup still in Kafka on its
way to the records is not matched (the counter counts it), and a supporter erased before has no
record left to match (the counter's totals keep their signup, as every erasure does). A key held
out by an invalidation not reverted is not matched again: an entry is held out by one at a time.
Publishing is at least once: an event published twice changes nothing the second time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from mobilise_events import SignupsInvalidated
from mobilise_runtime.errors import Rejected
from mobilise_runtime.mongo import Document
from signup.adapters.publisher import SignupPublisher
from signup.domain.campaigns import Campaign
from signup.domain.invalidations import Filter
from signup.domain.organisers import Organiser
from signup.repository import Repository
from signup.schemas.invalidations import FilterIn, InvalidationIn, InvalidationOut


async def matching_keys(repository: Repository, campaign: Campaign, wanted: Filter) -> list[str]:
    """The supporter keys of the campaign's signed records the filter matches, not held out."""
    held_out = await repository.invalidations.held_out(campaign.id)
    return [
        doc["supporter_key"]
        async for doc in repository.supporters.of_campaign(campaign.id)
        if wanted.matches(doc) and doc["supporter_key"] not in held_out
    ]


@dataclass(frozen=True)
class Invalidations:
    """A campaign's invalidations, as the organiser `by` (or the CLI's admin) changes them."""

    repository: Repository
    publisher: SignupPublisher
    campaign: Campaign
    by: Organiser

    async def invalidate(self, body: InvalidationIn, *, now: datetime) -> InvalidationOut:
        repository, campaign = self.repository, self.campaign
        keys = await matching_keys(repository, campaign, body.filter.to_filter())
        if not keys:
            raise Rejected("this filter matches no counted signup: nothing to invalidate")
        invalidation_id = uuid.uuid4()
        record: Document = {
            "_id": str(invalidation_id),
            "campaign_id": campaign.id,
            "campaign": campaign.slug,
            "filter": body.filter.model_dump(exclude_none=True, mode="json"),
            "reason": body.reason,
            "matched": len(keys),
            "state": "publishing",
            "by": self.by.id,
            "by_name": self.by.name,
            "at": now,
        }
        parts = await repository.invalidations.create(record, keys)
        await self._publish(invalidation_id, parts, "invalidate", now)
        await repository.invalidations.set_state(
            invalidation_id, {"state": "applied"}, was="publishing"
        )
        return view(await repository.invalidations.get(campaign.id, invalidation_id))

    async def revert(
        self, invalidation_id: uuid.UUID, *, reason: str, now: datetime
    ) -> InvalidationOut:
        repository, campaign = self.repository, self.campaign
        record = await repository.invalidations.get(campaign.id, invalidation_id)
        if record["state"] == "reverted":
            raise Rejected(f"invalidation {invalidation_id} was reverted already")
        parts = await repository.invalidations.parts(invalidation_id)
        # Published before the record says so: a failure leaves it revertible, and a revert
        # published twice puts nothing back twice.
        await self._publish(invalidation_id, parts, "revert", now)
        changes = {"state": "reverted", "reverted_by": self.by.id, "reverted_by_name": self.by.name}
        await repository.invalidations.set_state(
            invalidation_id,
            {**changes, "reverted_at": now, "revert_reason": reason},
            was=record["state"],
        )
        return view(await repository.invalidations.get(campaign.id, invalidation_id))

    async def _publish(
        self,
        invalidation_id: uuid.UUID,
        parts: list[list[str]],
        action: Literal["invalidate", "revert"],
        now: datetime,
    ) -> None:
        for n, keys in enumerate(parts, 1):
            event = SignupsInvalidated(
                invalidation_id=invalidation_id,
                campaign_id=self.campaign.id,
                action=action,
                supporter_keys=tuple(keys),
                part=n,
                parts=len(parts),
                occurred_at=now,
            )
            await self.publisher.publish(event, campaign_id=self.campaign.id)


def view(record: Document) -> InvalidationOut:
    return InvalidationOut(
        id=uuid.UUID(record["_id"]),
        filter=FilterIn.model_validate(record["filter"]),
        **{k: v for k, v in record.items() if k not in ("_id", "filter", "campaign_id")},
    )
