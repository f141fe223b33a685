"""In-memory stand-ins of what mailer-consumer's jobs talk to — the audience and mailings
repositories (Mongo), the task queue (Celery on Redis), the campaign titles (the signup API) —
with the same rules the real ones keep (repository/audience.py, repository/mailings.py): later
signups of a person win, an erasure covers what is not newer than itself, suppressions and
email batches are insert-once, a mailing's plan is fixed by its first attempt. Each call is also
written to `steps`, in order."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from cryptography.fernet import Fernet

from mailer.adapters.campaigns import CampaignTitles
from mailer.application.consumer import MailerConsumer
from mailer.application.consumer.enqueue import TaskQueue
from mailer.domain.addresses import AddressHasher
from mailer.domain.planning import ERASED_AT, GLOBAL_SCOPE, suppression_id
from mailer.repository.audience import AudienceRepository, recipient_id
from mailer.repository.mailings import MailingsRepository, batch_id
from mailer.schemas.specs import Payload, SendTask, SignupEmailTask, task_payload
from mobilise_events import LocalisedText, MailingRequested, Signup, SignupConfirmed
from mobilise_runtime.link_tokens import Tokens
from mobilise_runtime.mongo import Document

HASH_KEY = b"unit-hash-key"
# The signup service's link keys, which the mailer mints its links with.
TOKENS = Tokens(Fernet.generate_key().decode(), confirm_max_age_s=30 * 86_400)
BATCH_SIZE = 2
REQUEUE_AFTER_S = 60.0


@dataclass
class Journal:
    steps: list[str] = field(default_factory=list)


@dataclass
class FakeAudience:
    journal: Journal
    recipients_by_id: dict[str, Document] = field(default_factory=dict)
    tombstones: dict[str, datetime] = field(default_factory=dict)
    suppressions: dict[str, Document] = field(default_factory=dict)
    anonymised: set[str] = field(default_factory=set)
    # An erasure another consumer applies while this one writes its signups (hash, time).
    erased_meanwhile: tuple[str, datetime] | None = None

    async def record_signups(self, signups: Sequence[tuple[Signup, str]]) -> None:
        self.journal.steps.append(f"record_signups {len(signups)}")
        for event, email_hash in signups:
            rid = recipient_id(event.campaign_id, event.supporter_key)
            doc = self.recipients_by_id.setdefault(rid, {"_id": rid})
            doc.update(
                {
                    # No unsubscribe token: the worker mints it (AudienceRepository's).
                    **event.model_dump(mode="json", exclude={"unsubscribe_token"}),
                    "signup_id": str(event.signup_id),
                    "email_hash": email_hash,
                    "signed_at": event.occurred_at,
                }
            )
            if not event.double_opt_in:
                _latest(doc, "confirmed_at", event.occurred_at)
        if self.erased_meanwhile is not None:
            email_hash, at = self.erased_meanwhile
            self.tombstones[email_hash] = at

    async def record_confirmations(self, events: Iterable[SignupConfirmed]) -> None:
        confirmed = list(events)
        self.journal.steps.append(f"record_confirmations {len(confirmed)}")
        for e in confirmed:
            rid = recipient_id(e.campaign_id, e.supporter_key)
            doc = self.recipients_by_id.setdefault(
                rid, {"_id": rid, "campaign_id": e.campaign_id, "supporter_key": e.supporter_key}
            )
            _latest(doc, "confirmed_at", e.occurred_at)

    async def erased_since(self, hashes: Iterable[str]) -> dict[str, datetime]:
        return {h: self.tombstones[h] for h in set(hashes) if h in self.tombstones}

    async def forget(self, signups: Iterable[tuple[Signup, datetime]]) -> None:
        forgotten = list(signups)
        self.journal.steps.append(f"forget {len(forgotten)}")
        for event, erased_at in forgotten:
            rid = recipient_id(event.campaign_id, event.supporter_key)
            signed_at = self.recipients_by_id.get(rid, {}).get("signed_at")
            if signed_at is None or signed_at <= erased_at:
                self.recipients_by_id.pop(rid, None)

    async def erase(self, email_hash: str, erased_at: datetime, keys: Iterable[str]) -> None:
        self.journal.steps.append(f"erase {sorted(keys)}")
        self.tombstones[email_hash] = max(erased_at, self.tombstones.get(email_hash, erased_at))
        for rid, doc in list(self.recipients_by_id.items()):
            if doc.get("email_hash") == email_hash and doc["signed_at"] <= erased_at:
                del self.recipients_by_id[rid]

    async def suppress(self, suppressions: Sequence[Document]) -> None:
        self.journal.steps.append(f"suppress {len(suppressions)}")
        for s in suppressions:
            self.suppressions.setdefault(suppression_id(s["scope"], s["email_hash"]), dict(s))

    async def suppressed_hashes(self, campaign_id: str) -> set[str]:
        scopes = {campaign_id, GLOBAL_SCOPE}
        return {s["email_hash"] for s in self.suppressions.values() if s["scope"] in scopes}

    async def recipients(self, ids: Iterable[str]) -> dict[str, Document]:
        return {i: self.recipients_by_id[i] for i in ids if i in self.recipients_by_id}

    async def of_campaign(
        self, campaign_id: str, *, confirmed_only: bool = True, locale: str | None = None
    ) -> AsyncIterator[Document]:
        for d in list(self.recipients_by_id.values()):
            if locale is not None and d.get("locale") != locale:
                continue
            if d.get("campaign_id") == campaign_id and d.get("newsletter_opt_in"):
                erased_at = self.tombstones.get(d["email_hash"])
                yield d if erased_at is None else {**d, ERASED_AT: erased_at}

    async def not_anonymised(self, events: list[Any]) -> list[Any]:
        return [
            e
            for e in events
            if not (isinstance(e, Signup | SignupConfirmed) and e.campaign_id in self.anonymised)
        ]


@dataclass
class FakeMailings:
    journal: Journal
    mailings: dict[str, Document] = field(default_factory=dict)
    batches: dict[str, Document] = field(default_factory=dict)
    stalled: list[Document] = field(default_factory=list)  # what stalled_batches answers
    plans: int = 0

    async def get(self, mailing_id: str) -> Document | None:
        return self.mailings.get(mailing_id)

    async def fix_plan(self, event: MailingRequested) -> tuple[Document, bool]:
        self.plans += 1
        mailing_id = str(event.mailing_id)
        self.journal.steps.append("fix_plan")
        if mailing_id in self.mailings:
            return self.mailings[mailing_id], False
        self.mailings[mailing_id] = {
            "_id": mailing_id,
            "campaign_id": event.campaign_id,
            "plan": f"plan-{self.plans}",
            "subject": event.subject.model_dump(),
            "body_template": event.body_template.model_dump(),
            "audience": event.audience.model_dump(mode="json"),
        }
        return self.mailings[mailing_id], True

    async def add_batches(
        self, mailing: Document, batches: Sequence[Sequence[Document]], *, first: int, part: str
    ) -> list[Document]:
        self.journal.steps.append(f"add_batches {len(batches)}")
        written = []
        for n, members in enumerate(batches, start=first):
            id_ = batch_id(mailing["_id"], mailing["plan"], n, part)
            self.batches[id_] = {
                "_id": id_,
                "kind": "newsletter",
                "mailing_id": mailing["_id"],
                "plan": mailing["plan"],
                "size": len(members),
                "state": "queued",
                "supporter_keys": [r["supporter_key"] for r in members],
            }
            written.append(self.batches[id_])
        return written

    async def complete_plan(self, mailing: Document, *, suppressed: int) -> Document:
        ours = [b for b in self.batches.values() if b.get("plan") == mailing["plan"]]
        figures = {"planned": sum(b["size"] for b in ours), "suppressed": suppressed,
                   "batches": len(ours), "planned_at": datetime.now(UTC)}  # fmt: skip
        for name, value in figures.items():
            mailing.setdefault(name, value)
        return mailing

    async def planned_keys(self, mailing: Document) -> set[str]:
        return {
            k
            for b in self.batches.values()
            if b.get("plan") == mailing["plan"]
            for k in b["supporter_keys"]
        }

    async def unfinished_batches(self, mailing: Document) -> list[Document]:
        return [
            b
            for b in self.batches.values()
            if b["mailing_id"] == mailing["_id"]
            and b["plan"] == mailing["plan"]
            and b["state"] != "sent"
        ]

    async def stalled_batches(self, untouched_since: datetime) -> list[Document]:
        return list(self.stalled)

    async def record_emails(self, tasks: Sequence[SignupEmailTask]) -> None:
        self.journal.steps.append(f"record_emails {len(tasks)}")
        for task in tasks:
            self.batches.setdefault(
                task.batch_id,
                {"_id": task.batch_id, "kind": task.kind, "mailing_id": None,
                 "campaign_id": task.campaign_id, "state": "queued"},
            )  # fmt: skip


@dataclass
class FakeTasks:
    journal: Journal
    # Each task as the JSON payload the real queue sends (mailer.schemas.specs.task_payload).
    queued: list[dict[str, Any]] = field(default_factory=list)

    async def enqueue(self, tasks: Sequence[SendTask | Payload]) -> None:
        self.journal.steps.append(f"enqueue {len(tasks)}")
        self.queued += [t if isinstance(t, dict) else task_payload(t) for t in tasks]


class FakeTitles:
    async def title(self, slug: str) -> LocalisedText:
        return LocalisedText(fr=f"{slug} (fr)", en=f"{slug} (en)")


@dataclass
class Mailer:
    consumer: MailerConsumer
    journal: Journal
    audience: FakeAudience
    mailings: FakeMailings
    tasks: FakeTasks
    hash: AddressHasher


def mailer() -> Mailer:
    journal = Journal()
    audience, mailings, tasks = FakeAudience(journal), FakeMailings(journal), FakeTasks(journal)
    hasher = AddressHasher(HASH_KEY)
    consumer = MailerConsumer(
        audience=cast(AudienceRepository, audience),
        mailings=cast(MailingsRepository, mailings),
        tasks=cast(TaskQueue, tasks),
        titles=cast(CampaignTitles, FakeTitles()),
        hasher=hasher,
        tokens=TOKENS,
        batch_size=BATCH_SIZE,
        requeue_after_s=REQUEUE_AFTER_S,
    )
    return Mailer(consumer, journal, audience, mailings, tasks, hasher)


def _latest(doc: Document, name: str, at: datetime) -> None:
    """Mongo's $max on one field."""
    if name not in doc or doc[name] < at:
        doc[name] = at
