"""Closed campaigns anonymised in the mailer (part of mailer-retention): a campaign whose
`closes_at` (asked of the signup service, its owner) is more than `closed_campaign_days` ago gets
a marker in `anonymised_campaigns`, then its recipients (addresses, names, tokens), mail log,
mail batches and their member lists, dead letters and campaign-scoped suppressions are deleted.
Its mailings (texts and counts, no personal data) stay.

The consumer drops the signups and confirmations of a marked campaign (a replay brings nothing
back); one it read before the marker was written may still write a recipient after the
deletion, so every run deletes the data of every marked campaign again."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from pymongo.asynchronous.database import AsyncDatabase

from mailer.adapters.signup_client import Campaign
from mailer.repository import (
    ANONYMISED,
    DEAD_LETTERS,
    MAIL_BATCH_MEMBERS,
    MAIL_BATCHES,
    MAIL_LOG,
    MAIL_SENDS,
    MAILINGS,
    RECIPIENTS,
    SUPPRESSIONS,
)
from mobilise_runtime.errors import NotFound
from mobilise_runtime.mongo import Document, insert_new
from mobilise_runtime.retention import Removed


class Campaigns(Protocol):
    async def campaign(self, slug: str) -> Campaign: ...


async def anonymise_closed(
    db: AsyncDatabase[Document], campaigns: Campaigns, closed_before: datetime, now: datetime
) -> Removed:
    marked = {d["_id"] async for d in db[ANONYMISED].find({}, {"_id": 1})}
    newly = []
    for slug in await db[RECIPIENTS].distinct("campaign_slug"):
        if not isinstance(slug, str):
            continue
        try:
            campaign = await campaigns.campaign(slug)
        except NotFound:
            continue
        closes_at = campaign.closes_at
        if campaign.id in marked or closes_at is None or closes_at >= closed_before:
            continue
        newly.append({"_id": campaign.id, "slug": slug, "closes_at": closes_at, "at": now})
        marked.add(campaign.id)
    await insert_new(db[ANONYMISED], newly)
    removed: Removed = {"campaigns anonymised": len(newly)}
    ids = {"$in": sorted(marked)}
    mailings = [m["_id"] async for m in db[MAILINGS].find({"campaign_id": ids}, {"_id": 1})]
    members = {"mailing_id": {"$in": mailings}}
    for name, query in (
        (RECIPIENTS, {"campaign_id": ids}),
        (MAIL_LOG, {"campaign_id": ids}),
        (MAIL_BATCHES, {"campaign_id": ids}),
        (MAIL_SENDS, {"campaign_id": ids}),
        (MAIL_BATCH_MEMBERS, members),
        (DEAD_LETTERS, {"campaign_id": ids}),
        (SUPPRESSIONS, {"scope": ids}),
    ):
        deleted = (await db[name].delete_many(query)).deleted_count if marked else 0
        removed[f"{name} of anonymised campaigns"] = deleted
    return removed
