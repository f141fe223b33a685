"""Mailing plans: a requested mailing's plan (its batches of recipients, fixed the first time it
is read) and a task for each of its unfinished batches."""

from __future__ import annotations

from dataclasses import dataclass

from mailer.adapters.campaigns import CampaignTitles
from mailer.domain.planning import plan
from mailer.repository.audience import AudienceRepository
from mailer.repository.mailings import MailingsRepository
from mailer.schemas.specs import NewsletterTask, person
from mobilise_events import LocalisedText, MailingRequested
from mobilise_runtime.logging import get_logger
from mobilise_runtime.mongo import Document

log = get_logger(__name__)


@dataclass(frozen=True)
class MailingPlans:
    _audience: AudienceRepository
    _mailings: MailingsRepository
    _titles: CampaignTitles
    _batch_size: int

    async def plan(self, event: MailingRequested) -> list[NewsletterTask]:
        """The mailing's plan (fixed the first time), then a task for each unfinished batch."""
        mailing_id = str(event.mailing_id)
        recipients = await self._audience.of_campaign(event.campaign_id)
        if await self._mailings.get(mailing_id) is None:
            suppressed = await self._audience.suppressed_hashes(event.campaign_id)
            planned = plan(recipients, event.audience, suppressed, batch_size=self._batch_size)
            await self._mailings.save_plan(event, planned)
            log.info("mailing planned", mailing=mailing_id, batches=len(planned.batches))
        mailing = await self._mailings.get(mailing_id)
        assert mailing is not None
        pending = await self._mailings.unfinished_batches(mailing)
        return await self.batch_tasks(mailing, pending, recipients)

    async def batch_tasks(
        self, mailing: Document, batches: list[Document], recipients: list[Document]
    ) -> list[NewsletterTask]:
        if not batches:
            return []
        by_key = {r["supporter_key"]: r for r in recipients}
        slug = next(iter(by_key.values()))["campaign_slug"] if by_key else mailing["campaign_id"]
        title = await self._titles.title(slug)
        subject = LocalisedText.model_validate(mailing["subject"])
        body_template = LocalisedText.model_validate(mailing["body_template"])
        return [
            NewsletterTask(
                kind="newsletter",
                batch_id=batch["_id"],
                campaign_id=mailing["campaign_id"],
                mailing_id=mailing["_id"],
                campaign_title=title,
                subject=subject,
                body_template=body_template,
                # Someone erased since the plan is no longer there: left out (and counted so).
                recipients=tuple(person(by_key[k]) for k in batch["supporter_keys"] if k in by_key),
            )
            for batch in batches
        ]
