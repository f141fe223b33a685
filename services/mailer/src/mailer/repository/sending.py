"""What the worker reads and writes around a send (synchronous: Celery tasks run in forked
processes without an event loop). Each batch document is written only by the task that sends it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo import MongoClient
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError

from mailer.domain.planning import suppression_ids
from mailer.repository import (
    DEAD_LETTERS,
    ERASURES,
    MAIL_BATCHES,
    MAIL_LOG,
    MAIL_SENDS,
    QUEUED,
    SUPPRESSIONS,
)
from mailer.schemas.specs import NewsletterTask, SignupEmailTask, TaskRecipient
from mobilise_runtime.mongo import Document, already_there


def connect(url: str, database: str) -> Database[Document]:
    client: MongoClient[Document] = MongoClient(
        url, appname="mailer-worker", tz_aware=True, serverSelectionTimeoutMS=5000
    )
    return client[database]


class SendingStore:
    def __init__(self, db: Database[Document]) -> None:
        self._batches = db[MAIL_BATCHES]
        self._log = db[MAIL_LOG]
        self._suppressions = db[SUPPRESSIONS]
        self._erasures = db[ERASURES]
        self._dead = db[DEAD_LETTERS]
        self._sends = db[MAIL_SENDS]

    def batch(self, task: SignupEmailTask | NewsletterTask) -> Document:
        """The batch's document, written by the consumer before it queued the task. Created here
        only for a task queued by a consumer that did not write it yet (an older version)."""
        found = self.existing_batch(task.batch_id)
        if found is not None:
            return found
        doc = {
            "_id": task.batch_id,
            "kind": task.kind,
            "mailing_id": task.mailing_id if isinstance(task, NewsletterTask) else None,
            "campaign_id": task.campaign_id,
            "size": len(task.recipients),
            "state": QUEUED,
            "created_at": _now(),
        }
        try:
            self._batches.insert_one(doc)
        except DuplicateKeyError:
            return self.batch(task)
        return doc

    def existing_batch(self, batch_id: str) -> Document | None:
        return self._batches.find_one({"_id": batch_id})

    def blocked(self, campaign_id: str, recipients: Sequence[TaskRecipient]) -> set[str]:
        """Email hashes of these recipients that must not be mailed: suppressed for this campaign
        or everywhere, or erased after they signed."""
        if not recipients:
            return set()
        ids = [i for r in recipients for i in suppression_ids(r.email_hash, campaign_id)]
        found = {d["email_hash"] for d in self._suppressions.find({"_id": {"$in": ids}})}
        hashes = list({r.email_hash for r in recipients})
        erased = {d["_id"]: d["erased_at"] for d in self._erasures.find({"_id": {"$in": hashes}})}
        for r in recipients:
            erased_at = erased.get(r.email_hash)
            if erased_at is not None and (r.signed_at is None or erased_at >= as_utc(r.signed_at)):
                found.add(r.email_hash)
        return found

    def claim(
        self, message: str, batch_id: str, campaign_id: str, supporter_keys: Sequence[str]
    ) -> list[str]:
        """The supporters whose (supporter, message) this batch holds: newly claimed, or claimed
        by an earlier attempt of this same batch. Anyone claimed by another batch is left out."""
        docs = [
            {
                "_id": f"{message}:{key}",
                "batch_id": batch_id,
                "campaign_id": campaign_id,
                "supporter_key": key,
                "claimed_at": _now(),
            }
            for key in supporter_keys
        ]
        if not docs:
            return []
        try:
            self._log.insert_many(docs, ordered=False)
            return list(supporter_keys)
        except BulkWriteError as exc:
            taken = [docs[i]["_id"] for i in already_there(exc)]
        # A claim reduced by retention (no batch id) was sent long ago, by another batch.
        owners = {d["_id"]: d.get("batch_id") for d in self._log.find({"_id": {"$in": taken}})}
        elsewhere = {i for i, owner in owners.items() if owner != batch_id}
        return [k for k, d in zip(supporter_keys, docs, strict=True) if d["_id"] not in elsewhere]

    def start_sending(self, batch_id: str, campaign_id: str, turn: int, attempt: int) -> bool:
        """Takes the batch's send turn, unless another run of its task (a task queued twice) took
        it first: only the one that took it sends. Taken by an insert, the only write FerretDB
        makes atomic (a guarded update there reads then writes: two runs racing to move the batch
        would both see theirs succeed). The turn is the durable mark that a request may be
        leaving: nothing else is written between it and the request, so a worker killed in
        between is as rare as one killed mid-request."""
        try:
            self._sends.insert_one(
                {
                    "_id": f"{batch_id}:{turn}",
                    "batch_id": batch_id,
                    "campaign_id": campaign_id,
                    "attempt": attempt,
                    "taken_at": _now(),
                }
            )
        except DuplicateKeyError:
            return False
        return True

    def turn_taken_at(self, batch_id: str, turn: int) -> datetime | None:
        found = self._sends.find_one({"_id": f"{batch_id}:{turn}"})
        return as_utc(found["taken_at"]) if found is not None else None

    def set_state(self, batch_id: str, state: str, **fields: Any) -> None:
        self._batches.update_one(
            {"_id": batch_id}, {"$set": {"state": state, "updated_at": _now(), **fields}}
        )

    def dead_letter(self, batch: Document, keys: list[str], reason: str, attempts: int) -> None:
        self._dead.replace_one(
            {"_id": batch["_id"]},
            {
                "kind": batch.get("kind"),
                "campaign_id": batch.get("campaign_id"),
                "mailing_id": batch.get("mailing_id"),
                "supporter_keys": keys,
                "reason": reason,
                "attempts": attempts,
                "at": _now(),
            },
            upsert=True,
        )


def _now() -> datetime:
    return datetime.now(UTC)


def as_utc(value: Any) -> datetime:
    """A stored time (naive from some drivers, ISO text in task arguments) as aware UTC."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
