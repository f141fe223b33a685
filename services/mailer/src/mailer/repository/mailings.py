"""mailings and their batches as the consumer plans them, and their progress (async)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from mailer.repository import (
    FINAL,
    MAIL_BATCH_MEMBERS,
    MAIL_BATCHES,
    MAILING_REQUESTS,
    MAILINGS,
    QUEUED,
    RETRYING,
    SENDING,
)
from mailer.schemas.specs import SignupEmailTask
from mobilise_events import MailingRequested
from mobilise_runtime.mongo import Document, insert_new


@dataclass(frozen=True)
class Progress:
    mailing_id: str
    campaign_id: str
    status: str  # requested, queued, sending, done
    queued: int
    sent: int
    failed: int
    suppressed: int


def batch_id(mailing_id: str, plan: str, n: int, part: str = "") -> str:
    """The plan's batch number `n`; `part` names an attempt that continued an interrupted plan."""
    return f"{mailing_id}:{plan}:{part}{n:05d}"


def of_plan(mailing: Document, batch: Document) -> bool:
    """Whether the batch belongs to the mailing's fixed plan (not to an attempt that lost)."""
    return batch.get("plan") == mailing.get("plan")


class MailingsRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._mailings = db[MAILINGS]
        self._requests = db[MAILING_REQUESTS]
        self._batches = db[MAIL_BATCHES]
        self._members = db[MAIL_BATCH_MEMBERS]

    async def get(self, mailing_id: str) -> Document | None:
        return await self._mailings.find_one({"_id": mailing_id})

    async def fix_plan(self, event: MailingRequested) -> tuple[Document, bool]:
        """Fixes the mailing's plan, once: the mailing is inserted naming a new plan id before
        any batch is written, and the first insert wins. Returns the fixed mailing, and whether
        this attempt fixed it (the others write no plan of their own, so nothing is ever
        deleted or reset: a batch that was sent can never be put back as "queued", its claims
        being the batch's own). Until `complete_plan` the plan may still grow."""
        mailing = {
            "_id": str(event.mailing_id),
            "campaign_id": event.campaign_id,
            "plan": uuid.uuid4().hex,
            "subject": event.subject.model_dump(),
            "body_template": event.body_template.model_dump(),
            "audience": event.audience.model_dump(mode="json"),
            "requested_at": event.requested_at or event.occurred_at,
        }
        try:
            await self._mailings.insert_one(mailing)
        except DuplicateKeyError:
            existing = await self.get(str(event.mailing_id))
            assert existing is not None
            return existing, False
        return mailing, True

    async def add_batches(
        self, mailing: Document, batches: Sequence[Sequence[Document]], *, first: int, part: str
    ) -> list[Document]:
        """Writes these batches of recipients into the mailing's plan (numbered from `first`),
        members before batch documents: a batch never exists without its members. Returns the
        batch documents, each with its `supporter_keys`."""
        if not batches:
            return []
        mailing_id, plan, now = mailing["_id"], mailing["plan"], datetime.now(UTC)
        ids = [batch_id(mailing_id, plan, first + n, part) for n in range(len(batches))]
        members = [
            {
                "_id": id_,
                "mailing_id": mailing_id,
                "plan": plan,
                "supporter_keys": [r["supporter_key"] for r in batch],
            }
            for id_, batch in zip(ids, batches, strict=True)
        ]
        docs = [
            {
                "_id": id_,
                "kind": "newsletter",
                "mailing_id": mailing_id,
                "plan": plan,
                "campaign_id": mailing["campaign_id"],
                "size": len(batch),
                "state": QUEUED,
                "created_at": now,
            }
            for id_, batch in zip(ids, batches, strict=True)
        ]
        await self._members.insert_many(members, ordered=True)
        await self._batches.insert_many(docs, ordered=True)
        return [
            {**d, "supporter_keys": m["supporter_keys"]} for d, m in zip(docs, members, strict=True)
        ]

    async def complete_plan(self, mailing: Document, *, suppressed: int) -> Document:
        """Marks the mailing's plan whole (its figures summed from its batches); an attempt that
        completes it again changes nothing."""
        mine = {"mailing_id": mailing["_id"], "plan": mailing["plan"]}
        sizes = [b["size"] async for b in self._batches.find(mine, {"size": 1})]
        figures = {
            "planned": sum(sizes),
            "suppressed": suppressed,
            "batches": len(sizes),
            "planned_at": datetime.now(UTC),
        }
        await self._mailings.update_one(
            {"_id": mailing["_id"], "planned_at": {"$exists": False}}, {"$set": figures}
        )
        completed = await self.get(mailing["_id"])
        assert completed is not None
        return completed

    async def planned_keys(self, mailing: Document) -> set[str]:
        """The supporter keys already in the mailing's plan: in a batch that was written whole
        (members written by an attempt that died before their batch document are not)."""
        mine = {"mailing_id": mailing["_id"], "plan": mailing["plan"]}
        written = {b["_id"] async for b in self._batches.find(mine, {"_id": 1})}
        return {
            k
            async for m in self._members.find(mine)
            if m["_id"] in written
            for k in m["supporter_keys"]
        }

    async def record_emails(self, tasks: Sequence[SignupEmailTask]) -> None:
        """The batch documents of confirmation and welcome emails, written before their tasks are
        queued so that a lost task leaves a batch `stalled_batches` finds. Insert-once: a replay
        (or the same person signing again) leaves the first, however far its sending went."""
        now = datetime.now(UTC)
        docs = [
            {
                "_id": task.batch_id,
                "kind": task.kind,
                "mailing_id": None,
                "campaign_id": task.campaign_id,
                "size": len(task.recipients),
                "state": QUEUED,
                "created_at": now,
            }
            for task in tasks
        ]
        await insert_new(self._batches, docs)

    async def unfinished_batches(self, mailing: Document) -> list[Document]:
        """The batches of the mailing's plan still to send, each with its `supporter_keys`."""
        query = {"mailing_id": mailing["_id"]}
        cursor = self._batches.find(query, {"state": 1, "plan": 1}).sort("_id", 1)
        return await self._with_members(
            [b async for b in cursor if b["state"] not in FINAL and of_plan(mailing, b)]
        )

    async def stalled_batches(self, untouched_since: datetime) -> list[Document]:
        """Batches not finished and untouched since then, newsletter ones with their
        `supporter_keys` (a batch whose worker died with its send turn taken is among them: its
        next run records it as unknown)."""
        cursor = self._batches.find(
            {"state": {"$in": [QUEUED, RETRYING, SENDING]}},
            {
                "kind": 1,
                "mailing_id": 1,
                "plan": 1,
                "campaign_id": 1,
                "created_at": 1,
                "updated_at": 1,
            },
        )
        stalled = [
            b async for b in cursor if (b.get("updated_at") or b["created_at"]) < untouched_since
        ]
        newsletters = [b for b in stalled if b["kind"] == "newsletter"]
        return await self._with_members(newsletters) + [
            b for b in stalled if b["kind"] != "newsletter"
        ]

    async def _with_members(self, batches: list[Document]) -> list[Document]:
        if not batches:
            return []
        ids = sorted(b["_id"] for b in batches)
        members = {
            m["_id"]: m["supporter_keys"] async for m in self._members.find({"_id": {"$in": ids}})
        }
        return [{**b, "supporter_keys": members.get(b["_id"], [])} for b in batches]

    async def of_campaign(self, campaign_id: str, *, limit: int) -> list[Document]:
        """A campaign's planned mailings, newest first: id, subject, when asked."""
        cursor = self._mailings.find(
            {"campaign_id": campaign_id}, {"subject": 1, "requested_at": 1}
        ).sort("requested_at", -1)
        return await cursor.limit(limit).to_list()

    async def progress(self, mailing_id: str) -> Progress | None:
        mailing = await self.get(mailing_id)
        if mailing is None:
            request = await self._requests.find_one({"_id": mailing_id})
            if request is None:
                return None
            return Progress(
                mailing_id, str(request.get("campaign_id", "")), "requested", 0, 0, 0, 0
            )
        counts: dict[str, int] = {"sent": 0, "failed": 0, "suppressed": 0}
        states: list[Any] = []
        fields = {"state": 1, "plan": 1, "size": 1, "sent": 1, "failed": 1, "suppressed": 1}
        sizes = 0  # what the plan holds so far, while it is still being written
        # A mailing finished long ago keeps its counts, its batches go
        # (mailer.entrypoints.retention).
        query = {"mailing_id": "" if "final_counts" in mailing else mailing_id}
        counts.update(mailing.get("final_counts", {}))
        async for batch in self._batches.find(query, fields):
            if not of_plan(mailing, batch):
                continue
            states.append(batch["state"])
            sizes += int(batch.get("size") or 0)
            for name in counts:
                counts[name] += int(batch.get(name) or 0)
        sent, failed = counts["sent"], counts["failed"]
        planned = int(mailing.get("planned", sizes))
        queued = planned - sent - failed - counts["suppressed"]
        if "planned_at" in mailing and all(s in FINAL for s in states):
            status = "done"
        elif any(s != QUEUED for s in states):
            status = "sending"
        else:
            status = "queued"
        suppressed = int(mailing.get("suppressed", 0)) + counts["suppressed"]
        return Progress(
            mailing_id, mailing["campaign_id"], status, queued, sent, failed, suppressed
        )
