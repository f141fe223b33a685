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
(`adjustments`), which a replay reads back instead of recomputing it.

The entry and its contribution are in domain/entries.py; what each event does, in EFFECTS below."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from counter.domain.entries import Contribution, Entries, Entry, contribution, entry_id
from counter.domain.invalidation import apply_invalidation
from counter.domain.m49 import macro_region
from mobilise_events import (
    Event,
    PledgeSigned,
    Signup,
    SignupConfirmed,
    SignupsInvalidated,
    VolunteerRegistered,
)


def position(topic: str, partition: int, offset: int) -> str:
    return f"{topic}@{partition}:{offset}"


def _signed(entries: Entries, event: Signup, pos: str) -> list[Contribution]:
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
    return [contribution(entry, pos, event.occurred_at)]


def _intern(value: str | None) -> str | None:
    return None if value is None else sys.intern(value)


def _confirmed(entries: Entries, event: SignupConfirmed, pos: str) -> list[Contribution]:
    entry = entries.get(entry_id(event.campaign_id, event.supporter_key))
    if entry is None:
        entry = Entry(event.campaign_id, event.supporter_key, confirm_seen=pos)
    elif entry.signed_pos is None:
        entry = replace(entry, confirm_seen=entry.confirm_seen or pos)
    elif entry.confirmed_pos is None:
        entry = _keep_marks(entry, replace(entry, confirmed_pos=pos), pos)
    entries[entry.id] = entry
    return [contribution(entry, pos, event.occurred_at)]


def _keep_marks(before: Entry, after: Entry, pos: str) -> Entry:
    """`after` with the invalidation state of `before`; what `pos` counted while the entry is
    hidden is nothing, and that is remembered for its replays."""
    after = replace(
        after, hidden_by=before.hidden_by, adjustments=before.adjustments, marks=before.marks
    )
    if after.hidden_by is None:
        return after
    return replace(after, adjustments=(*after.adjustments, (pos, 0, 0, 0)))


@dataclass(frozen=True)
class Effect:
    """What one type of event does to the ledger."""

    touches: Callable[[Any], list[str]]  # the ids of the entries it counts against
    rule: Callable[[Entries, Any, str], list[Contribution]]  # (entries, event, position)


def _one(event: Signup | SignupConfirmed) -> list[str]:
    return [entry_id(event.campaign_id, event.supporter_key)]


def _named(event: SignupsInvalidated) -> list[str]:
    return [entry_id(event.campaign_id, key) for key in event.supporter_keys]


# Event → effect. Any other event counts nothing.
EFFECTS: dict[type[Event], Effect] = {
    PledgeSigned: Effect(_one, _signed),
    VolunteerRegistered: Effect(_one, _signed),
    SignupConfirmed: Effect(_one, _confirmed),
    SignupsInvalidated: Effect(_named, apply_invalidation),
}


def touched_entries(event: Event) -> list[str]:
    """Every ledger entry an event counts against."""
    effect = EFFECTS.get(type(event))
    return effect.touches(event) if effect is not None else []


def apply(entries: Entries, event: Event, pos: str) -> list[Contribution]:
    """Update `entries` (by entry id) with `event` at `pos`; return what it contributes."""
    effect = EFFECTS.get(type(event))
    return effect.rule(entries, event, pos) if effect is not None else []
