"""The stalled-batch sweep: queues again the batches nobody touched for `requeue_after_s` —
newsletter batches, confirmation and welcome emails: their task was lost (Redis restarted
without its data, or a worker died between taking a task and recording it). Harmless if it was
not: a batch is sent by one task only."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from mailer.application.consumer.enqueue import TaskQueue
from mailer.application.consumer.mailing_plans import MailingPlans
from mailer.application.consumer.signup_emails import SignupEmails
from mailer.repository.mailings import MailingsRepository, of_plan
from mobilise_runtime.cache import TimedCache
from mobilise_runtime.logging import get_logger
from mobilise_runtime.mongo import Document

MAX_REQUEUED = 100_000
log = get_logger(__name__)


@dataclass(frozen=True)
class StalledBatches:
    _mailings: MailingsRepository
    _emails: SignupEmails
    _plans: MailingPlans
    _tasks: TaskQueue
    _after_s: float  # requeue_after_s
    # The batches this process queued again lately (bounded: a flood of stalled batches cannot
    # grow it); each is left alone for `requeue_after_s`.
    _requeued: TimedCache[str, bool] = field(
        default_factory=lambda: TimedCache(max_entries=MAX_REQUEUED)
    )

    async def requeue(self) -> None:
        cutoff = datetime.now(UTC) - timedelta(seconds=self._after_s)
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
            await self._plans.requeue(mailing, batches)
            self._requeued_now(batches)
            log.warning("stalled batches queued again", mailing=mailing_id, batches=len(batches))
        if emails:
            await self._tasks.enqueue(await self._emails.rebuilt(emails))
            self._requeued_now(emails)
            log.warning("stalled signup emails queued again", emails=len(emails))

    def _requeued_now(self, batches: list[Document]) -> None:
        for b in batches:
            self._requeued.put(b["_id"], True, keep_s=self._after_s)

    async def sweep(self, every_s: float, stop: asyncio.Event) -> None:
        """Every `every_s` until `stop`; a failed sweep is logged and the next one tries again."""
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), timeout=every_s)
            except TimeoutError:
                try:
                    await self.requeue()
                except Exception:  # the next sweep tries again; consuming goes on
                    log.exception("requeueing stalled batches failed")
