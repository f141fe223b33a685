"""Exactly-once counting, as pure rules.

Each supporter of a campaign has one ledger entry (keyed by the supporter key, an HMAC: no personal
data). The entry remembers the position (topic, partition, offset) of the event whose application
counted the signup, and of the one that counted the confirmation. What an event contributes is a
function of the entry *after* applying it and of the event's own position:

    signed    iff entry.signed_pos == position
    confirmed iff entry.confirmed_pos == position

So replaying an event — after a crash, a redelivery, a rebalance — recomputes the very same
contribution, in whatever order the replay comes; the totals document, written last and guarded by
the offsets it has applied, takes it exactly once.

Invalidations (domain/invalidation.py) take an entry out of the counts and put it back: the entry
then also remembers, per position that changed it that way, what that event contributed
(`adjustments`), which a replay reads back instead of recomputing it."""

from __future__ import annotations

import sys
from collections.abc import MutableMapping
from dataclasses import dataclass, replace
from datetime import datetime

from counter.domain.m49 import macro_region
from counter.domain.totals_document import CountName, Dimension, totals_increments
from mobilise_events import (
    Event,
    Signup,
    SignupConfirmed,
    SignupsInvalidated,
    VolunteerRegistered,
)

# What one event contributed to one entry's counts: (position, signed, confirmed, volunteers).
Adjustment = tuple[str, int, int, int]


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
    # The invalidation (id) that holds this entry out of the counts, if one does.
    hidden_by: str | None = None
    # The contributions of the events that invalidated or reinstated this entry, and of the ones
    # that counted nothing because it was hidden: whatever the entry's state is when replayed.
    adjustments: tuple[Adjustment, ...] = ()
    # How many state facts the ledger holds for it (domain/facts.py).
    marks: int = 0

    @property
    def id(self) -> str:
        return entry_id(self.campaign_id, self.supporter_key)


@dataclass(frozen=True)
class Contribution:
    """What one event adds to its campaign's totals (each count 0 or 1)."""

    campaign_id: str
    at: datetime  # the minute it is charted in
    signed: int  # -1 when an invalidation takes it out
    confirmed: int
    volunteers: int
    country: str | None
    region: str | None
    macro_region: str | None
    partner: str | None

    def counts(self) -> dict[CountName, int]:
        return {"signed": self.signed, "confirmed": self.confirmed, "volunteers": self.volunteers}

    def keys(self) -> dict[Dimension, str | None]:
        """Where it counts in each dimension of the totals (None: nowhere in that one)."""
        return {
            "by_country": self.country,
            "by_region": self.region,
            "by_macro_region": self.macro_region,
            "by_partner": self.partner,
        }

    def increments(self) -> dict[str, int]:
        """`$inc` paths for the campaign's totals document (zero counts left out)."""
        return totals_increments(self.counts(), self.keys())


Entries = MutableMapping[str, Entry]


def entry_id(campaign_id: str, supporter_key: str) -> str:
    return f"{campaign_id}:{supporter_key}"


def touched_entries(event: Event) -> list[str]:
    """Every ledger entry an event counts against."""
    if isinstance(event, SignupsInvalidated):
        return [entry_id(event.campaign_id, k) for k in event.supporter_keys]
    if isinstance(event, Signup | SignupConfirmed):
        return [entry_id(event.campaign_id, event.supporter_key)]
    return []


def apply(entries: Entries, event: Event, pos: str) -> list[Contribution]:
    """Update `entries` (by entry id) with `event` at `pos`; return what it contributes."""
    if isinstance(event, Signup):
        return [_signed(entries, event, pos)]
    if isinstance(event, SignupConfirmed):
        return [_confirmed(entries, event, pos)]
    if isinstance(event, SignupsInvalidated):
        # Imported here: invalidation builds on this module's rules.
        from counter.domain.invalidation import apply_invalidation

        return apply_invalidation(entries, event, pos)
    return []


def _signed(entries: Entries, event: Signup, pos: str) -> Contribution:
    entry = before = entries.get(entry_id(event.campaign_id, event.supporter_key))
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
        if before is not None:
            entry = _keep_marks(before, entry, pos)
        entries[entry.id] = entry
    return contribution(entry, pos, event.occurred_at)


def _intern(value: str | None) -> str | None:
    return None if value is None else sys.intern(value)


def _confirmed(entries: Entries, event: SignupConfirmed, pos: str) -> Contribution:
    entry = entries.get(entry_id(event.campaign_id, event.supporter_key))
    if entry is None:
        entry = Entry(event.campaign_id, event.supporter_key, confirm_seen=pos)
    elif entry.signed_pos is None:
        entry = replace(entry, confirm_seen=entry.confirm_seen or pos)
    elif entry.confirmed_pos is None:
        entry = _keep_marks(entry, replace(entry, confirmed_pos=pos), pos)
    entries[entry.id] = entry
    return contribution(entry, pos, event.occurred_at)


def _keep_marks(before: Entry, after: Entry, pos: str) -> Entry:
    """`after` with the invalidation state of `before`; what `pos` counted while the entry is
    hidden is nothing, and that is remembered for its replays."""
    after = replace(
        after, hidden_by=before.hidden_by, adjustments=before.adjustments, marks=before.marks
    )
    if after.hidden_by is None:
        return after
    return replace(after, adjustments=(*after.adjustments, (pos, 0, 0, 0)))


def counts_at(entry: Entry, pos: str) -> tuple[int, int, int]:
    """What the event at `pos` contributed to `entry`: (signed, confirmed, volunteers)."""
    for at, signed, confirmed, volunteers in entry.adjustments:
        if at == pos:
            return signed, confirmed, volunteers
    signed = int(entry.signed_pos == pos)
    return signed, int(entry.confirmed_pos == pos), signed * int(entry.kind == "volunteer")


def contribution(entry: Entry, pos: str, at: datetime) -> Contribution:
    """What the event at `pos`, charted at `at`, contributes to its campaign through `entry`."""
    signed, confirmed, volunteers = counts_at(entry, pos)
    return Contribution(
        campaign_id=entry.campaign_id,
        at=at,
        signed=signed,
        confirmed=confirmed,
        volunteers=volunteers,
        country=entry.country,
        region=entry.region,
        macro_region=entry.macro_region,
        partner=entry.partner,
    )
