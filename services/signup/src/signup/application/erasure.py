"""GDPR requests by email: what the signup service holds on a person, and their erasure.

Erasure is published, not done here: one `supporter.erased.v1` per campaign the person signed,
keyed by the campaign, so each campaign's single writers (counter, mailer) apply it in order with
that campaign's signups; signup-projector deletes the records and keeps a tombstone."""

from __future__ import annotations

from collections import defaultdict

from mobilise_events import ErasedSignup, SupporterErased
from mobilise_runtime.mongo import Document
from signup.adapters.publisher import SignupPublisher
from signup.domain.emails import canonical_email
from signup.repository.supporters import SupporterRepository


async def records_of(supporters: SupporterRepository, email: str) -> list[Document]:
    return await supporters.of_email(canonical_email(email))


def erasures(email: str, records: list[Document]) -> list[SupporterErased]:
    """One event per campaign; with no record, still one with no signups, so that every owner
    keeps a tombstone (a signup still on its way could otherwise bring the person back)."""
    by_campaign: dict[str, list[ErasedSignup]] = defaultdict(list)
    for record in records:
        erased = ErasedSignup(
            campaign_id=record["campaign_id"], supporter_key=record["supporter_key"]
        )
        by_campaign[record["campaign_id"]].append(erased)
    if not by_campaign:
        return [SupporterErased(email=email)]
    return [SupporterErased(email=email, signups=tuple(s)) for s in by_campaign.values()]


async def erase(supporters: SupporterRepository, publisher: SignupPublisher, email: str) -> int:
    """Publish the person's erasure; return the number of campaigns once Kafka acknowledged
    every event (Unavailable otherwise: a retry publishes again, which is harmless)."""
    events = erasures(email, await records_of(supporters, email))
    for event in events:
        key = event.signups[0].campaign_id if event.signups else ""
        await publisher.publish(event, campaign_id=key)
    return sum(1 for e in events if e.signups)
