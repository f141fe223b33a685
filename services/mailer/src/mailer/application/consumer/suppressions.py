"""Suppressions: an unsubscribe (from a campaign, or from everything) suppresses the address's
keyed hash, so that it is never mailed again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mailer.domain.addresses import AddressHasher
from mailer.repository.audience import AudienceRepository
from mailer.schemas.specs import SendTask
from mobilise_events import SupporterUnsubscribed


@dataclass(frozen=True)
class Suppressions:
    _audience: AudienceRepository
    _hash: AddressHasher

    async def unsubscribed(self, events: Sequence[SupporterUnsubscribed]) -> list[SendTask]:
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
        return []
