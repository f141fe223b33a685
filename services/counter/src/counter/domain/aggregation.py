"""Exactly-once counting, as pure rules.

Each supporter of a campaign has one ledger entry (keyed by the supporter key, an HMAC: no personal
data). The entry remembers the position (topic, partition, offset) of the event whose application
counted the signup, and of the one that counted the confirmation. What an event contributes is a
function of the entry *after* applying it and of the event's own position:

    signed    iff entry.signed_pos == position
    confirmed iff entry.confirmed_pos == position

So replaying an event — after a crash, a redelivery, a rebalance — recomputes the very same
contribution, in whatever order the replay comes; the totals document, written last and guarded by
the offsets it has applied, takes it exactly once."""

from __future__ import annotations

import sys
from collections.abc import MutableMapping
from dataclasses import dataclass, replace
from datetime import datetime

from counter.domain.m49 import macro_region
from mobilise_events import Event, Signup, SignupConfirmed, SupporterErased, VolunteerRegistered

COUNTS = ("signed", "confirmed", "volunteers")


def position(topic: str, partition: int, offset: int) -> str:
    return f"{topic}@{partition}:{offset}"


@dataclass(frozen=True, slots=True)
class Entry:
    campaign_id: str
    supporter_key: str
    kind: str | None = None
    country: str | None = None
    region: str | None = None
    macro_region: str | None = None
    partner: str | None = None
    signed_at: datetime | None = None
    signed_pos: str | None = None
    confirmed_pos: str | None = None
    # A confirmation seen before its signup (another topic, so no ordering between them): it is
    # counted when the signup arrives.
    confirm_seen: str | None = None

    @property
    def id(self) -> str:
        return entry_id(self.campaign_id, self.supporter_key)


@dataclass(frozen=True)
class Contribution:
    """What one event adds to its campaign's totals (each count 0 or 1)."""

    campaign_id: str
    at: datetime  # the minute it is charted in
    signed: int
    confirmed: int
    volunteers: int
    country: str | None
    region: str | None
    macro_region: str | None
    partner: str | None

    def increments(self) -> dict[str, int]:
        """`$inc` paths for the campaign's totals document (zero counts left out)."""
        counts = {c: getattr(self, c) for c in COUNTS if getattr(self, c)}
        paths: dict[str, int] = dict(counts)
        for dimension, key in (
            ("by_country", self.country),
            ("by_region", self.region),
            ("by_macro_region", self.macro_region),
            ("by_partner", self.partner),
        ):
            if key is not None:
                paths.update({f"{dimension}.{key}.{c}": n for c, n in counts.items()})
        return paths


Entries = MutableMapping[str, Entry]


def entry_id(campaign_id: str, supporter_key: str) -> str:
    return f"{campaign_id}:{supporter_key}"


def erased_entries(event: Event) -> list[str]:
    """The ledger entries an erasure marks. An erasure counts nothing and changes no entry:
    counts are no one's data, and the entry stays as it is, so that a replayed signup of this
    person remains a repeat, never a new supporter."""
    if isinstance(event, SupporterErased):
        return [entry_id(s.campaign_id, s.supporter_key) for s in event.signups]
    return []


def apply(entries: Entries, event: Event, pos: str) -> list[Contribution]:
    """Update `entries` (by entry id) with `event` at `pos`; return what it contributes."""
    if isinstance(event, Signup):
        return [_signed(entries, event, pos)]
    if isinstance(event, SignupConfirmed):
        return [_confirmed(entries, event, pos)]
    return []


def _signed(entries: Entries, event: Signup, pos: str) -> Contribution:
    entry = entries.get(entry_id(event.campaign_id, event.supporter_key))
    if entry is None or entry.signed_pos is None:
        pending = entry.confirm_seen if entry is not None else None
        # Entries stay in the consumer's memory: one copy of each campaign, place and partner.
        entry = Entry(
            campaign_id=sys.intern(event.campaign_id),
            supporter_key=event.supporter_key,
            kind="volunteer" if isinstance(event, VolunteerRegistered) else "pledge",
            country=sys.intern(event.country),
            region=_intern(event.region),
            macro_region=macro_region(event.country),
            partner=_intern(event.partner),
            signed_at=event.occurred_at,
            signed_pos=pos,
            # Without double opt-in a signup is confirmed as it comes.
            confirmed_pos=pos if (pending or not event.double_opt_in) else None,
            confirm_seen=pending,
        )
        entries[entry.id] = entry
    return _contribution(entry, pos, event.occurred_at)


def _intern(value: str | None) -> str | None:
    return None if value is None else sys.intern(value)


def _confirmed(entries: Entries, event: SignupConfirmed, pos: str) -> Contribution:
    entry = entries.get(entry_id(event.campaign_id, event.supporter_key))
    if entry is None:
        entry = Entry(event.campaign_id, event.supporter_key, confirm_seen=pos)
    elif entry.signed_pos is None:
        entry = replace(entry, confirm_seen=entry.confirm_seen or pos)
    elif entry.confirmed_pos is None:
        entry = replace(entry, confirmed_pos=pos)
    entries[entry.id] = entry
    return _contribution(entry, pos, event.occurred_at)


def _contribution(entry: Entry, pos: str, at: datetime) -> Contribution:
    signed = int(entry.signed_pos == pos)
    return Contribution(
        campaign_id=entry.campaign_id,
        at=at,
        signed=signed,
        confirmed=int(entry.confirmed_pos == pos),
        volunteers=signed * int(entry.kind == "volunteer"),
        country=entry.country,
        region=entry.region,
        macro_region=entry.macro_region,
        partner=entry.partner,
    )
