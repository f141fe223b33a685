"""Signup emails: a signup becomes its recipient document and its confirmation or welcome email
(a task whose batch document is written before it is queued); a signup older than its person's
erasure is a replay and writes nothing. The confirm link of its confirmation is minted here, once
per signup, and kept in its recipient document (a confirmation rebuilt by the stalled-batch sweep
carries it as it was minted); the unsubscribe links are the worker's, minted as it sends."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from mailer.adapters.campaigns import CampaignTitles
from mailer.domain.addresses import AddressHasher
from mailer.repository.audience import AudienceRepository, recipient_id
from mailer.repository.mailings import MailingsRepository
from mailer.schemas.specs import (
    CONFIRMATION,
    WELCOME,
    EmailKind,
    SignupEmailTask,
    email_supporter_key,
    email_task,
)
from mobilise_events import LocalisedText, Signup
from mobilise_runtime.link_tokens import Tokens
from mobilise_runtime.mongo import Document


@dataclass(frozen=True)
class SignupEmails:
    _audience: AudienceRepository
    _mailings: MailingsRepository
    _titles: CampaignTitles
    _hash: AddressHasher
    _tokens: Tokens

    async def record(self, signups: Sequence[Signup]) -> list[SignupEmailTask]:
        """The signups' recipients written; their emails' tasks, to be queued."""
        hashed = [(e, self._hash(e.email)) for e in signups]
        # A signup older than its person's erasure is a replay: never written, so it cannot
        # overwrite a newer signup's recipient (read earlier from another topic).
        before = await self._audience.erased_since(h for _, h in hashed)
        dropped = [(e, before[h]) for e, h in hashed if _erased_after(before, e, h)]
        hashed = [(self._linked(e), h) for e, h in hashed if not _erased_after(before, e, h)]
        await self._audience.record_signups(hashed)
        # Checked again after writing: an erasure applied meanwhile by another consumer wrote
        # its tombstone before deleting, so one of the two always sees the other.
        erased = await self._audience.erased_since(h for _, h in hashed)
        replayed = [(e, h) for e, h in hashed if _erased_after(erased, e, h)]
        # A dropped signup's confirmation, read before it, goes too: an erasure published
        # while the signup was in flight could not name it.
        await self._audience.forget([*dropped, *((e, erased[h]) for e, h in replayed)])
        skip = {id(e) for e, _ in replayed}
        tasks = [await self._email(e, h) for e, h in hashed if id(e) not in skip]
        # One task per email even if its person signed twice in this batch (the last one wins,
        # as in their recipient document); its batch recorded before it is queued.
        tasks = list({t.batch_id: t for t in tasks}.values())
        await self._mailings.record_emails(tasks)
        return tasks

    def _linked(self, event: Signup) -> Signup:
        """The signup with its confirm link's token (mobilise_runtime.link_tokens)."""
        return event.model_copy(update={"confirm_token": self._tokens.signup_confirm_token(event)})

    async def _email(self, event: Signup, email_hash: str) -> SignupEmailTask:
        kind: EmailKind = CONFIRMATION if event.double_opt_in and event.confirm_token else WELCOME
        title = await self._titles.title(event.campaign_slug)
        source = {**event.model_dump(mode="json"), "email_hash": email_hash}
        return email_task(kind, event.campaign_id, event.supporter_key, title, source)

    async def rebuilt(self, batches: list[Document]) -> list[SignupEmailTask]:
        """Signup emails rebuilt from their recipient documents (all read in one query). One
        erased or forgotten since gets a task that sends nothing: its batch ends "sent" with
        the email counted suppressed, written by the worker like any batch."""
        keys = {b["_id"]: recipient_id(b["campaign_id"], email_supporter_key(b)) for b in batches}
        found = await self._audience.recipients(keys.values())
        tasks = []
        for batch in batches:
            campaign_id, recipient = batch["campaign_id"], found.get(keys[batch["_id"]])
            slug = recipient.get("campaign_slug") if recipient else None
            title = (
                await self._titles.title(slug)
                if slug
                else LocalisedText(
                    fr=campaign_id, en=campaign_id
                )  # nothing is sent: no title needed
            )
            key = email_supporter_key(batch)
            tasks.append(email_task(batch["kind"], campaign_id, key, title, recipient))
        return tasks


def _erased_after(erasures: dict[str, datetime], signup: Signup, email_hash: str) -> bool:
    return email_hash in erasures and erasures[email_hash] >= signup.occurred_at
