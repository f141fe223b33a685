"""Mailing plans: a requested mailing's plan (its batches of recipients), fixed by the first
attempt and handed out batch by batch while the audience is read, and a task for each of its
unfinished batches when it is read again."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from mailer.adapters.campaigns import CampaignTitles
from mailer.application.consumer.enqueue import TaskQueue
from mailer.domain.planning import Planner
from mailer.repository.audience import AudienceRepository
from mailer.repository.mailings import MailingsRepository
from mailer.schemas.specs import Payload, newsletter_payload
from mobilise_events import Audience, LocalisedText, MailingRequested
from mobilise_runtime.logging import get_logger
from mobilise_runtime.mongo import Document

log = get_logger(__name__)


@dataclass(frozen=True)
class MailingPlans:
    _audience: AudienceRepository
    _mailings: MailingsRepository
    _titles: CampaignTitles
    _tasks: TaskQueue
    _batch_size: int

    async def plan(self, event: MailingRequested) -> None:
        """Plans the mailing once and queues a task per batch as each is written. Read again (a
        replay, a member that lost the partition and plans late): its unfinished batches are
        queued again, and a plan whose attempt was cut off is completed with whoever it lacks."""
        mailing = await self._mailings.get(str(event.mailing_id))
        fixed_here = False
        if mailing is None:
            mailing, fixed_here = await self._mailings.fix_plan(event)
        if not fixed_here:
            await self.requeue(mailing, await self._mailings.unfinished_batches(mailing))
        if "planned_at" not in mailing:
            await self._write_plan(mailing, continued=not fixed_here)

    async def _write_plan(self, mailing: Document, *, continued: bool) -> None:
        audience = Audience.model_validate(mailing["audience"])
        planner = Planner(
            audience=audience,
            suppressed_hashes=await self._audience.suppressed_hashes(mailing["campaign_id"]),
            batch_size=self._batch_size,
            planned_keys=await self._mailings.planned_keys(mailing) if continued else set(),
        )
        # A continuing attempt numbers its batches apart: another may still be writing.
        part = f"{uuid.uuid4().hex[:8]}-" if continued else ""
        written = 0
        read = self._audience.of_campaign(
            mailing["campaign_id"], confirmed_only=audience.confirmed_only, locale=audience.locale
        )
        async with contextlib.aclosing(read):
            async for recipient in read:
                full = planner.add(recipient)
                if full is not None:
                    written += await self._hand_out(mailing, [full], written, part)
        written += await self._hand_out(mailing, planner.rest(), written, part)
        completed = await self._mailings.complete_plan(mailing, suppressed=planner.suppressed)
        log.info(
            "mailing planned", mailing=mailing["_id"], batches=completed["batches"],
            planned=completed["planned"], continued=continued,
        )  # fmt: skip

    async def _hand_out(
        self, mailing: Document, batches: list[list[Document]], first: int, part: str
    ) -> int:
        """Writes these batches into the plan, then queues their tasks: how many."""
        if not batches:
            return 0
        written = await self._mailings.add_batches(mailing, batches, first=first, part=part)
        people = {r["supporter_key"]: r for batch in batches for r in batch}
        await self._tasks.enqueue(await self.batch_tasks(mailing, written, people))
        return len(written)

    async def requeue(self, mailing: Document, batches: Sequence[Document]) -> None:
        """Queues these batches of the mailing's plan again, their recipients read afresh (only
        theirs are kept: someone erased since is no longer there, and is left out)."""
        if not batches:
            return
        wanted = {k for b in batches for k in b["supporter_keys"]}
        people = {
            r["supporter_key"]: r
            # The plan chose them: no audience rule read again, no erasure time needed.
            async for r in self._audience.of_campaign(mailing["campaign_id"], confirmed_only=False)
            if r["supporter_key"] in wanted
        }
        await self._tasks.enqueue(await self.batch_tasks(mailing, batches, people))

    async def batch_tasks(
        self, mailing: Document, batches: Sequence[Document], by_key: dict[str, Document]
    ) -> list[Payload]:
        if not batches:
            return []
        slug = next(iter(by_key.values()))["campaign_slug"] if by_key else mailing["campaign_id"]
        title = await self._titles.title(slug)
        subject = LocalisedText.model_validate(mailing["subject"])
        body_template = LocalisedText.model_validate(mailing["body_template"])
        return [
            newsletter_payload(
                batch_id=batch["_id"],
                campaign_id=mailing["campaign_id"],
                mailing_id=mailing["_id"],
                campaign_title=title,
                subject=subject,
                body_template=body_template,
                # Someone erased since the plan is no longer there: left out (and counted so).
                recipients=(by_key[k] for k in batch["supporter_keys"] if k in by_key),
            )
            for batch in batches
        ]
