"""signup-projector: keeps the supporter records (with their consent history) from the signup
service's own events; the organiser export reads them. An erasure deletes a person's records and
leaves a tombstone (a keyed hash of the address, the time) that makes older signups replayed later
count for nothing.

Signups and unsubscriptions travel on different topics, so they are read in either order, and
replays read them again: a record keeps facts that only accumulate (each signup's consent, the
latest unsubscription) and its newsletter opt-in is derived from them when read. An
unsubscription read before the record exists is kept on its own (repository/unsubscriptions.py)
and copied into the record once a signup writes it.

Applying a batch is idempotent (see repository/supporters.py), so the consumer's at-least-once
delivery is enough: a batch redelivered after a crash rewrites the same documents."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from datetime import datetime
from types import MappingProxyType
from typing import Any

from mobilise_events import (
    Event,
    PledgeSigned,
    Signup,
    SignupConfirmed,
    SupporterErased,
    SupporterUnsubscribed,
    VolunteerRegistered,
)
from mobilise_runtime.kafka import Received
from mobilise_runtime.process import GroupMember, run_consumer_process
from signup.bootstrap import stores
from signup.domain.emails import InvalidEmail, canonical_email
from signup.domain.supporters import person_key
from signup.repository import Repository, SupporterRepository
from signup.repository.supporters import Write
from signup.settings import ProjectorSettings

SERVICE = "signup-projector"

# Event → its write to the supporter records. Erasures are no write of their own: Projector.apply
# records their tombstones and deletes the records first, then drops the older signups.
WRITES: dict[type[Event], Callable[[Any], Write]] = {
    PledgeSigned: SupporterRepository.signed,
    VolunteerRegistered: SupporterRepository.signed,
    SignupConfirmed: SupporterRepository.confirmed,
    SupporterUnsubscribed: lambda e: SupporterRepository.unsubscribed(
        e.email, e.campaign_id, e.occurred_at
    ),
}
ERASURES: type[Event] = SupporterErased  # Projector.apply's own step, before the writes
TOPICS = [t.topic for t in (*WRITES, ERASURES)]


def writes_for(
    batch: list[Received],
    *,
    dropped: AbstractSet[int] = frozenset(),
    unsubscribed: Mapping[int, datetime] = MappingProxyType({}),
) -> list[Write]:
    """The batch's writes but its erasures'; `dropped`: ids of signups an erasure came after;
    `unsubscribed`: ids of signups whose records take an unsubscription kept before them."""
    writes: list[Write] = []
    for received in batch:
        event = received.event
        write = WRITES.get(type(event))
        if write is None or id(event) in dropped:
            continue
        made = write(event)
        if id(event) in unsubscribed:
            made = SupporterRepository.also_unsubscribed(made, unsubscribed[id(event)])
        writes.append(made)
    return writes


class Projector:
    def __init__(self, repository: Repository, key_secret: bytes) -> None:
        self._supporters = repository.supporters
        self._erasures = repository.erasures
        self._unsubscriptions = repository.unsubscriptions
        self._anonymised = repository.anonymisation
        self._secret = key_secret

    def _key(self, email: str) -> str:
        return person_key(self._secret, canonical_email(email))

    async def apply(self, batch: list[Received]) -> None:
        batch = await self._anonymised.kept(batch)  # a closed campaign's replays bring nothing back
        erased = [r.event for r in batch if isinstance(r.event, SupporterErased)]
        # Tombstones first, then the deletions (a crash between them redoes both), then the
        # rest: a signup newer than the erasure is a new consent and stays.
        await self._erasures.record((self._key(e.email), e.occurred_at) for e in erased)
        for e in erased:
            records = [(s.campaign_id, s.supporter_key) for s in e.signups]
            await self._supporters.erase(canonical_email(e.email), records, e.occurred_at)
            await self._unsubscriptions.forget(self._key(e.email), e.occurred_at)
        # Signups and unsubscriptions of an erased person, from before the erasure, are dropped.
        keyed = [
            (e, self._key(e.email))
            for e in (r.event for r in batch)
            if isinstance(e, Signup | SupporterUnsubscribed)
        ]
        tombstones = await self._erasures.erased_at(k for _, k in keyed)
        dropped = {id(e) for e, k in keyed if _covered(tombstones, e, k)}
        # Kept before the records are written: a signup written meanwhile by another process
        # finds it after its write (below).
        await self._unsubscriptions.record(
            (k, e.campaign_id, e.occurred_at)
            for e, k in keyed
            if isinstance(e, SupporterUnsubscribed) and id(e) not in dropped
        )
        signed = [(e, k) for e, k in keyed if isinstance(e, Signup) and id(e) not in dropped]
        # In the signup's own write: a reader never sees its record without them.
        known = await self._unsubscribed(signed)
        await self._supporters.apply(writes_for(batch, dropped=dropped, unsubscribed=known))
        # Checked again after writing: an erasure applied meanwhile by another projector
        # process (another partition) wrote its tombstone before deleting, so one of the two
        # always sees the other. Whatever a covered signup's key left (a confirmation read
        # before it) goes too: the erasure may have been published before this signup was
        # projected, and so could not name it.
        tombstones = await self._erasures.erased_at(k for _, k in keyed)
        for event, key in keyed:
            if not _covered(tombstones, event, key):
                continue
            if isinstance(event, SupporterUnsubscribed):
                await self._unsubscriptions.forget(key, tombstones[key])
            else:
                mine = [(event.campaign_id, event.supporter_key)]
                await self._supporters.erase(canonical_email(event.email), mine, tombstones[key])
        # An unsubscription another process kept meanwhile looked for the records before these
        # were written: it reaches them now.
        kept = [(e, k) for e, k in signed if not _covered(tombstones, e, k)]
        later = await self._unsubscribed(kept)
        writes = [
            SupporterRepository.unsubscribed_record(e.campaign_id, e.supporter_key, later[id(e)])
            for e, _ in kept
            if id(e) in later and later[id(e)] != known.get(id(e))
        ]
        if writes:
            await self._supporters.apply(writes)

    async def _unsubscribed(self, signups: list[tuple[Signup, str]]) -> dict[int, datetime]:
        """The latest unsubscription kept for each signup's person from its campaign or all."""
        facts = await self._unsubscriptions.of_people(k for _, k in signups)
        latest: dict[int, datetime] = {}
        for event, key in signups:
            for person, campaign_id, at in facts:
                if person == key and campaign_id in (None, event.campaign_id):
                    latest[id(event)] = max(at, latest.get(id(event), at))
        return latest


def _covered(
    tombstones: dict[str, datetime], event: Signup | SupporterUnsubscribed, key: str
) -> bool:
    return key in tombstones and tombstones[key] >= event.occurred_at


async def project(settings: ProjectorSettings, stop: asyncio.Event) -> None:
    shared = settings.shared
    kept = stores(settings, service=SERVICE)
    await kept.repository.supporters.ensure_indexes()
    await kept.repository.unsubscriptions.ensure_indexes()
    projector = Projector(
        kept.repository, settings.supporter_key_secret.get_secret_value().encode()
    )

    member = GroupMember(SERVICE, settings.projector_group, TOPICS, shared)
    await member.consume(
        projector.apply,
        stop,
        close=kept.close,
        # An address no signup could have had (an odd one from SendGrid's webhook): that event
        # is dead-lettered, the others go on.
        rejects=(InvalidEmail,),
    )


def main() -> None:
    run_consumer_process(SERVICE, ProjectorSettings(), project)
