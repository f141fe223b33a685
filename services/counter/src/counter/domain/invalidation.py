"""Invalidations as pure rules: an organiser takes ledger entries out of a campaign's counts, and
may put them back (a revert of that invalidation).

An entry is held out by at most one invalidation at a time (`hidden_by`): an invalidation takes
the entries that are not held out already and subtracts exactly what each counts then; its revert
releases only the entries it took and adds back what each counts then (a confirmation that came
while the entry was held out counted nothing, so the revert brings it in). Every such step is an
adjustment of the entry, remembered with its position, including the ones that changed nothing:
replayed in any state, an event contributes what it contributed the first time.

An invalidation may name an entry the counter has not seen yet (a signup still in flight on its
own topic): the entry is held out from the start, and its signup counts nothing until a revert."""

from __future__ import annotations

from dataclasses import replace

from counter.domain.entries import Contribution, Entries, Entry, contribution, entry_id
from mobilise_events import SignupsInvalidated


def counted(entry: Entry) -> tuple[int, int, int]:
    """What a visible entry counts in its campaign's totals: (signed, confirmed, volunteers)."""
    signed = int(entry.signed_pos is not None)
    confirmed = int(entry.confirmed_pos is not None)
    return signed, confirmed, signed * int(entry.kind == "volunteer")


def _step(entry: Entry, event: SignupsInvalidated, pos: str) -> Entry:
    """The entry after the event's first application to it."""
    mine = str(event.invalidation_id)
    if event.action == "invalidate" and entry.hidden_by is None:
        signed, confirmed, volunteers = counted(entry)
        adjustment = (pos, -signed, -confirmed, -volunteers)
        hidden_by: str | None = mine
    elif event.action == "revert" and entry.hidden_by == mine:
        adjustment = (pos, *counted(entry))
        hidden_by = None
    else:
        # Held out by another invalidation, or not by this one: nothing, and remembered as such.
        adjustment = (pos, 0, 0, 0)
        hidden_by = entry.hidden_by
    return replace(entry, hidden_by=hidden_by, adjustments=(*entry.adjustments, adjustment))


def apply_invalidation(entries: Entries, event: SignupsInvalidated, pos: str) -> list[Contribution]:
    """Update the named entries with the event at `pos`; return what it contributes to each."""
    contributions = []
    for key in dict.fromkeys(event.supporter_keys):
        entry = entries.get(entry_id(event.campaign_id, key)) or Entry(event.campaign_id, key)
        if all(at != pos for at, *_ in entry.adjustments):
            entry = _step(entry, event, pos)
            entries[entry.id] = entry
        contributions.append(contribution(entry, pos, event.occurred_at))
    return contributions
