"""A supporter's ledger entry, and what an event contributes to its campaign's totals through it:
the state that the counting rules (aggregation.py) and the invalidations (invalidation.py) both
update. How an entry's positions make a replay count exactly once: aggregation.py."""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import datetime

from counter.domain.totals_document import CountName, Dimension, totals_increments

# What one event contributed to one entry's counts: (position, signed, confirmed, volunteers).
Adjustment = tuple[str, int, int, int]


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
