"""mailer-consumer: turns signup and mailing events into recipients, suppressions, mailing plans
and Celery tasks (one member of consumer group `mailer`).

A batch's offsets are committed by EventConsumer only once this handler returned, that is once
its Mongo writes are acknowledged and its tasks are in Redis: a crash reads the batch again, and
every effect is idempotent (upserts, insert-once suppressions, a mailing's plan fixed once, tasks
whose mails are claimed per supporter by the worker).

Every task's batch document (state "queued") is written before the task is queued, so a task
Redis lost is found again by `requeue_stalled`: newsletter batches and confirmation and welcome
emails alike."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from celery import Celery

from mailer.addresses import AddressHasher
from mailer.bootstrap import consumer_parts
from mailer.campaigns import CampaignTitles
from mailer.planning import plan
from mailer.queue import SEND_BATCH
from mailer.repository.mailings import MailingsRepository, of_plan
from mailer.repository.recipients import AudienceRepository, recipient_id
from mailer.settings import Settings
from mailer.specs import (
    CONFIRMATION,
    WELCOME,
    Spec,
    email_spec,
    email_supporter_key,
    person,
)
from mobilise_events import (
    MailingRequested,
    PledgeSigned,
    Signup,
    SignupConfirmed,
    SupporterErased,
    SupporterUnsubscribed,
    VolunteerRegistered,
)
from mobilise_runtime.cache import TimedCache
from mobilise_runtime.kafka import EventConsumer, Received
from mobilise_runtime.logging import get_logger
from mobilise_runtime.mongo import Document, ServiceDatabase
from mobilise_runtime.process import run_consumer_process

SERVICE = "mailer-consumer"
TOPICS = [
    t.topic
    for t in (
        PledgeSigned,
        VolunteerRegistered,
        SignupConfirmed,
        SupporterUnsubscribed,
        SupporterErased,
        MailingRequested,
    )
]
MAX_REQUEUED = 100_000
log = get_logger(__name__)


class MailerConsumer:
    def __init__(
        self,
        settings: Settings,
        database: ServiceDatabase,
        queue: Celery,
        titles: CampaignTitles,
        hasher: AddressHasher,
    ) -> None:
        self._settings = settings
        self._audience = AudienceRepository(database.db)
        self._mailings = MailingsRepository(database.db)
        self._queue = queue
        self._titles = titles
        self._hash = hasher
        # The batches this process queued again lately (bounded: a flood of stalled batches
        # cannot grow it); each is left alone for `requeue_after_s`.
        self._requeued: TimedCache[str, bool] = TimedCache(max_entries=MAX_REQUEUED)

    async def handle(self, batch: list[Received]) -> None:
        events = await self._audience.not_anonymised([r.event for r in batch])
        # Each step is idempotent and independent of the order the topics were read in (an
        # erasure covers the signups older than itself, each by its own time; a confirmation
        # may come before its signup). Erasures first: this batch's older signups are dropped.
        for erased in (e for e in events if isinstance(e, SupporterErased)):
            keys = [s.supporter_key for s in erased.signups]
            await self._audience.erase(self._hash(erased.email), erased.occurred_at, keys)
        specs = await self._signups([e for e in events if isinstance(e, Signup)])
        confirmed = [e for e in events if isinstance(e, SignupConfirmed)]
        if confirmed:
            await self._audience.record_confirmations(confirmed)
        await self._unsubscribes([e for e in events if isinstance(e, SupporterUnsubscribed)])
        await self._enqueue(specs)
        for mailing in (e for e in events if isinstance(e, MailingRequested)):
            await self._enqueue(await self._mailing(mailing))

    async def _signups(self, signups: Sequence[Signup]) -> list[Spec]:
        if not signups:
            return []
        hashed = [(e, self._hash(e.email)) for e in signups]
        # A signup older than its person's erasure is a replay: never written, so it cannot
        # overwrite a newer signup's recipient (read earlier from another topic).
        before = await self._audience.erased_since(h for _, h in hashed)
        hashed = [(e, h) for e, h in hashed if not _erased_after(before, e, h)]
        await self._audience.record_signups(hashed)
        # Checked again after writing: an erasure applied meanwhile by another consumer wrote
        # its tombstone before deleting, so one of the two always sees the other.
        erased = await self._audience.erased_since(h for _, h in hashed)
        replayed = [(e, h) for e, h in hashed if _erased_after(erased, e, h)]
        await self._audience.forget((e, erased[h]) for e, h in replayed)
        skip = {id(e) for e, _ in replayed}
        specs = [await self._welcome(e, h) for e, h in hashed if id(e) not in skip]
        # One task per email even if its person signed twice in this batch (the last one wins,
        # as in their recipient document); its batch recorded before it is queued.
        specs = list({s["batch_id"]: s for s in specs}.values())
        await self._mailings.record_emails(specs)
        return specs

    async def _welcome(self, event: Signup, email_hash: str) -> Spec:
        kind = CONFIRMATION if event.double_opt_in and event.confirm_token else WELCOME
        title = (await self._titles.title(event.campaign_slug)).model_dump()
        source = {**event.model_dump(mode="json"), "email_hash": email_hash}
        return email_spec(kind, event.campaign_id, event.supporter_key, title, source)

    async def _unsubscribes(self, events: Sequence[SupporterUnsubscribed]) -> None:
        await self._audience.suppress(
            [
                {
                    "scope": e.campaign_id or "*",
                    "campaign_id": e.campaign_id,
                    "email_hash": self._hash(e.email),
                    "reason": e.reason or "unsubscribe",
                    "source": e.source,
                    "suppressed_at": e.occurred_at,
                }
                for e in events
            ]
        )

    async def _mailing(self, event: MailingRequested) -> list[Spec]:
        """The mailing's plan (fixed the first time), then a task for each unfinished batch."""
        mailing_id = str(event.mailing_id)
        recipients = await self._audience.of_campaign(event.campaign_id)
        if await self._mailings.get(mailing_id) is None:
            suppressed = await self._audience.suppressed_hashes(event.campaign_id)
            planned = plan(
                recipients,
                event.audience,
                suppressed,
                batch_size=self._settings.mailing_batch_size,
            )
            await self._mailings.save_plan(event, planned)
            log.info("mailing planned", mailing=mailing_id, batches=len(planned.batches))
        mailing = await self._mailings.get(mailing_id)
        assert mailing is not None
        pending = await self._mailings.unfinished_batches(mailing)
        return await self._batch_tasks(mailing, pending, recipients)

    async def requeue_stalled(self) -> None:
        """Queues again the batches nobody touched for `requeue_after_s` — newsletter batches,
        confirmation and welcome emails: their task was lost (Redis restarted without its data,
        or a worker died between taking a task and recording it). Harmless if it was not: a
        batch is sent by one task only."""
        cutoff = datetime.now(UTC) - timedelta(seconds=self._settings.requeue_after_s)
        newsletters: dict[str, list[Document]] = {}
        emails: list[Document] = []
        for batch in await self._mailings.stalled_batches(cutoff):
            if self._requeued.fresh(batch["_id"]) is not None:
                continue
            if batch["kind"] == "newsletter":
                newsletters.setdefault(batch["mailing_id"], []).append(batch)
            else:
                emails.append(batch)
        for mailing_id, batches in newsletters.items():
            mailing = await self._mailings.get(mailing_id)
            batches = [b for b in batches if mailing is not None and of_plan(mailing, b)]
            if mailing is None or not batches:
                continue  # left by a planning attempt that lost: never queued, never to be
            recipients = await self._audience.of_campaign(mailing["campaign_id"])
            await self._enqueue(await self._batch_tasks(mailing, batches, recipients))
            self._requeued_now(batches)
            log.warning("stalled batches queued again", mailing=mailing_id, batches=len(batches))
        if emails:
            await self._enqueue(await self._email_tasks(emails))
            self._requeued_now(emails)
            log.warning("stalled signup emails queued again", emails=len(emails))

    def _requeued_now(self, batches: list[Document]) -> None:
        for b in batches:
            self._requeued.put(b["_id"], True, keep_s=self._settings.requeue_after_s)

    async def _email_tasks(self, batches: list[Document]) -> list[Spec]:
        """Signup emails rebuilt from their recipient documents (all read in one query). One
        erased or forgotten since gets a task that sends nothing: its batch ends "sent" with
        the email counted suppressed, written by the worker like any batch."""
        keys = {b["_id"]: recipient_id(b["campaign_id"], email_supporter_key(b)) for b in batches}
        found = await self._audience.recipients(keys.values())
        specs = []
        for batch in batches:
            campaign_id, recipient = batch["campaign_id"], found.get(keys[batch["_id"]])
            slug = recipient.get("campaign_slug") if recipient else None
            title = (
                (await self._titles.title(slug)).model_dump()
                if slug
                else {"fr": campaign_id, "en": campaign_id}  # nothing is sent: no title needed
            )
            key = email_supporter_key(batch)
            specs.append(email_spec(batch["kind"], campaign_id, key, title, recipient))
        return specs

    async def _batch_tasks(
        self, mailing: Document, batches: list[Document], recipients: list[Document]
    ) -> list[Spec]:
        if not batches:
            return []
        by_key = {r["supporter_key"]: r for r in recipients}
        slug = next(iter(by_key.values()))["campaign_slug"] if by_key else mailing["campaign_id"]
        title = (await self._titles.title(slug)).model_dump()
        common = {
            "kind": "newsletter",
            "campaign_id": mailing["campaign_id"],
            "mailing_id": mailing["_id"],
            "campaign_title": title,
            "subject": mailing["subject"],
            "body_template": mailing["body_template"],
        }
        return [
            {
                **common,
                "batch_id": batch["_id"],
                # Someone erased since the plan is no longer there: left out (and counted so).
                "recipients": [person(by_key[k]) for k in batch["supporter_keys"] if k in by_key],
            }
            for batch in batches
        ]

    async def _enqueue(self, specs: list[Spec]) -> None:
        if specs:
            # kombu's Redis client blocks: off the event loop, all tasks in one go.
            await asyncio.to_thread(self._send_tasks, specs)

    def _send_tasks(self, specs: list[Spec]) -> None:
        queue = self._settings.celery_queue
        with self._queue.producer_or_acquire() as producer:
            for spec in specs:
                self._queue.send_task(SEND_BATCH, args=[spec], queue=queue, producer=producer)


async def consume(settings: Settings, stop: asyncio.Event) -> None:
    shared = settings.shared
    parts = consumer_parts(settings, service=SERVICE)
    handler = MailerConsumer(settings, parts.database, parts.queue, parts.titles, parts.hasher)
    consumer = EventConsumer(
        shared.kafka_bootstrap,
        group_id=settings.consumer_group,
        topics=TOPICS,
        handler=handler.handle,
        prefix=shared.topic_prefix,
        client_id=SERVICE,
        # Signup topics share their partition count: one member owns all of a campaign's
        # recipients (pledge, volunteer and confirmation events write the same documents).
        co_partitioned=True,
    )
    sweeper = asyncio.create_task(_sweep(handler, settings.requeue_check_s, stop))
    try:
        await consumer.run(stop)
    finally:
        sweeper.cancel()
        await asyncio.gather(sweeper, return_exceptions=True)
        await parts.close()


def _erased_after(erasures: dict[str, datetime], signup: Signup, email_hash: str) -> bool:
    return email_hash in erasures and erasures[email_hash] >= signup.occurred_at


async def _sweep(handler: MailerConsumer, every_s: float, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), timeout=every_s)
        except TimeoutError:
            try:
                await handler.requeue_stalled()
            except Exception:  # the next sweep tries again; consuming goes on
                log.exception("requeueing stalled batches failed")


def main() -> None:
    settings = Settings()
    run_consumer_process(SERVICE, settings.shared, lambda stop: consume(settings, stop))
