"""The mailer consumer's handler: which event has which effect, and in which order a batch
applies them. Each effect is idempotent and independent of the order the topics were read in (an
erasure covers the signups older than itself, each by its own time; a confirmation may come
before its signup); the tasks they ask for are queued once every write of the batch is done —
but a mailing's, which its plan queues batch by batch as it writes them (it is applied last)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from celery import Celery

from mailer.adapters.campaigns import CampaignTitles
from mailer.application.consumer.enqueue import TaskQueue
from mailer.application.consumer.erasure import Erasure
from mailer.application.consumer.mailing_plans import MailingPlans
from mailer.application.consumer.signup_emails import SignupEmails
from mailer.application.consumer.stalled import StalledBatches
from mailer.application.consumer.suppressions import Suppressions
from mailer.domain.addresses import AddressHasher
from mailer.repository.audience import AudienceRepository
from mailer.repository.mailings import MailingsRepository
from mailer.schemas.specs import SendTask
from mailer.settings import Settings
from mobilise_events import (
    Event,
    MailingRequested,
    Signup,
    SignupConfirmed,
    SupporterErased,
    SupporterUnsubscribed,
)
from mobilise_runtime.kafka import Received
from mobilise_runtime.link_tokens import Tokens
from mobilise_runtime.mongo import ServiceDatabase

Effect = Callable[["MailerConsumer"], Callable[[list[Any]], Awaitable[Sequence[SendTask]]]]

# Event → effect, in the order a batch applies them: erasures first (this batch's older signups
# are dropped), mailings last (their plans see this batch's recipients and suppressions).
EFFECTS: tuple[tuple[type[Event], Effect], ...] = (
    (SupporterErased, lambda c: c.erasure.erased),
    (Signup, lambda c: c.signup_emails.record),  # pledge.signed, volunteer.registered
    (SignupConfirmed, lambda c: c.confirmed),
    (SupporterUnsubscribed, lambda c: c.suppressions.unsubscribed),
    (MailingRequested, lambda c: c.mailings_requested),
)


class MailerConsumer:
    erasure: Erasure
    signup_emails: SignupEmails
    suppressions: Suppressions

    def __init__(
        self,
        *,
        audience: AudienceRepository,
        mailings: MailingsRepository,
        tasks: TaskQueue,
        titles: CampaignTitles,
        hasher: AddressHasher,
        tokens: Tokens,
        batch_size: int,
        requeue_after_s: float,
    ) -> None:
        self._audience = audience
        self.tasks = tasks
        self.erasure = Erasure(audience, hasher)
        self.signup_emails = SignupEmails(audience, mailings, titles, hasher, tokens)
        self.suppressions = Suppressions(audience, hasher)
        self.plans = MailingPlans(audience, mailings, titles, tasks, batch_size)
        self.stalled = StalledBatches(
            mailings, self.signup_emails, self.plans, tasks, requeue_after_s
        )

    @classmethod
    def on(
        cls,
        settings: Settings,
        database: ServiceDatabase,
        queue: Celery,
        titles: CampaignTitles,
        hasher: AddressHasher,
        tokens: Tokens,
    ) -> MailerConsumer:
        """The consumer on the mailer's database and Celery queue (unit tests pass fakes of
        these to __init__)."""
        return cls(
            audience=AudienceRepository(database.db),
            mailings=MailingsRepository(database.db),
            tasks=TaskQueue(queue, settings.celery_queue),
            titles=titles,
            hasher=hasher,
            tokens=tokens,
            batch_size=settings.mailing_batch_size,
            requeue_after_s=settings.requeue_after_s,
        )

    async def handle(self, batch: list[Received]) -> None:
        events = await self._audience.not_anonymised([r.event for r in batch])
        tasks: list[SendTask] = []
        for kind, effect in EFFECTS:
            of_kind = [e for e in events if isinstance(e, kind)]
            if of_kind:
                tasks += await effect(self)(of_kind)
        await self.tasks.enqueue(tasks)

    async def confirmed(self, events: Sequence[SignupConfirmed]) -> list[SendTask]:
        await self._audience.record_confirmations(events)
        return []

    async def mailings_requested(self, events: Sequence[MailingRequested]) -> list[SendTask]:
        # Each plan queues its batches' tasks as it writes them: sending starts while the
        # audience is still being read, and no whole audience is held in memory.
        for event in events:
            await self.plans.plan(event)
        return []
