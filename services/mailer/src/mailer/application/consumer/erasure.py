"""Erasure: a person's recipients go, behind a tombstone (the keyed hash of the address and the
time) that makes their older signups, replayed later, write nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mailer.domain.addresses import AddressHasher
from mailer.repository.audience import AudienceRepository
from mailer.schemas.specs import SendTask
from mobilise_events import SupporterErased


@dataclass(frozen=True)
class Erasure:
    _audience: AudienceRepository
    _hash: AddressHasher

    async def erased(self, events: Sequence[SupporterErased]) -> list[SendTask]:
        for erased in events:
            keys = [s.supporter_key for s in erased.signups]
            await self._audience.erase(self._hash(erased.email), erased.occurred_at, keys)
        return []
