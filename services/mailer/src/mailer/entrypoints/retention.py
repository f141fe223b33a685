"""mailer-retention: applies the retention policy (mobilise_runtime.retention) to the mailer's own
data, once, and reports what it removed. Idempotent: a second run removes nothing.

- `webhook_events` older than `webhook_event_days` are deleted (their only use is to dedupe
  SendGrid's retries, which stop after 72 h).
- Finished mail batches older than `mail_batch_days` are deleted with their member lists. A
  newsletter's batches go only all together, once every batch of its plan is finished, and only
  after its counts were written on the mailing (`final_counts`): its progress stays right.
- `mail_sends` (a batch's send turns) older than `mail_batch_days` are deleted: a batch is finished
  long before, or given up (its next run finds its state, not its turns).
- `mail_log` claims older than `mail_log_days` are reduced to their keyed hashes (the claim's id
  and supporter key, which keep a replay from mailing anyone twice and which an erasure still
  finds): when, and by which batch, is dropped.
- `mail_dead_letters` older than `dead_letter_days` are deleted.
- Celery results in Redis: the send task stores none, others expire after an hour
  (`result_expires`); a result left without an expiry is deleted.
- Campaigns closed more than `closed_campaign_days` ago are anonymised
  (mailer.application.anonymisation)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

from mailer.application.anonymisation import anonymise_closed
from mailer.bootstrap import retention_parts
from mailer.repository import (
    DEAD_LETTERS,
    FINAL,
    MAIL_BATCH_MEMBERS,
    MAIL_BATCHES,
    MAIL_LOG,
    MAIL_SENDS,
    MAILINGS,
)
from mailer.repository.mailings import of_plan
from mailer.settings import Settings
from mobilise_runtime.mongo import Document
from mobilise_runtime.retention import Removed, RetentionPolicy, run_retention_job

SERVICE = "mailer-retention"
WEBHOOK_EVENTS = "webhook_events"
CELERY_RESULTS = "celery-task-meta-*"
SIGNUP_EMAILS = ["confirmation", "welcome"]


async def prune(db: AsyncDatabase[Document], policy: RetentionPolicy, now: datetime) -> Removed:
    """The mailer's Mongo part of the policy."""
    removed: Removed = {}
    old_events = {"received_at": {"$lt": policy.cutoff(policy.webhook_event_days, now)}}
    removed[WEBHOOK_EVENTS] = (await db[WEBHOOK_EVENTS].delete_many(old_events)).deleted_count
    batches_before = policy.cutoff(policy.mail_batch_days, now)
    emails = await db[MAIL_BATCHES].delete_many(
        {
            "kind": {"$in": SIGNUP_EMAILS},
            "state": {"$in": sorted(FINAL)},
            "updated_at": {"$lt": batches_before},
        }
    )
    batches, members = await _prune_newsletters(db, batches_before)
    removed[MAIL_BATCHES] = emails.deleted_count + batches
    removed[MAIL_BATCH_MEMBERS] = members
    turns = {"taken_at": {"$lt": batches_before}}
    removed[MAIL_SENDS] = (await db[MAIL_SENDS].delete_many(turns)).deleted_count
    claims = await db[MAIL_LOG].update_many(
        {"claimed_at": {"$lt": policy.cutoff(policy.mail_log_days, now)}},
        {"$unset": {"claimed_at": "", "batch_id": ""}},
    )
    removed[f"{MAIL_LOG} (reduced to hashes)"] = claims.modified_count
    old_letters = {"at": {"$lt": policy.cutoff(policy.dead_letter_days, now)}}
    removed[DEAD_LETTERS] = (await db[DEAD_LETTERS].delete_many(old_letters)).deleted_count
    return removed


async def _prune_newsletters(db: AsyncDatabase[Document], before: datetime) -> tuple[int, int]:
    """Batches and member lists of mailings finished before then. The counts go on the mailing
    first, so a crash in between leaves counts a rerun keeps and batches it deletes."""
    batches = members = 0
    async for mailing in db[MAILINGS].find({"planned_at": {"$lt": before}}):
        query = {"mailing_id": mailing["_id"]}
        if "final_counts" not in mailing:
            found = [b async for b in db[MAIL_BATCHES].find(query)]
            planned = [b for b in found if of_plan(mailing, b)]
            if any(b["state"] not in FINAL or _touched(b) >= before for b in planned):
                continue
            counts = {n: sum(int(b.get(n) or 0) for b in planned) for n in _COUNTED}
            await db[MAILINGS].update_one(
                {"_id": mailing["_id"]}, {"$set": {"final_counts": counts}}
            )
        batches += (await db[MAIL_BATCHES].delete_many(query)).deleted_count
        members += (await db[MAIL_BATCH_MEMBERS].delete_many(query)).deleted_count
    return batches, members


_COUNTED = ("sent", "failed", "suppressed")


def _touched(batch: Document) -> Any:
    return batch.get("updated_at") or batch["created_at"]


async def prune_celery_results(redis: Redis) -> int:
    """Celery results that would never expire (stored without a TTL)."""
    removed = 0
    async for key in redis.scan_iter(match=CELERY_RESULTS, count=500):
        if await redis.ttl(key) == -1:
            removed += await redis.delete(key)
    return removed


async def apply(settings: Settings, policy: RetentionPolicy, now: datetime) -> Removed:
    parts = retention_parts(settings, service=SERVICE)
    try:
        removed = await prune(parts.database.db, policy, now)
        removed["celery results"] = await prune_celery_results(parts.redis)
        closed_before = policy.cutoff(policy.closed_campaign_days, now)
        removed |= await anonymise_closed(parts.database.db, parts.signup, closed_before, now)
    finally:
        await parts.close()
    return removed


def main() -> None:
    settings = Settings()
    run_retention_job(SERVICE, settings.shared, lambda p, now: apply(settings, p, now))
