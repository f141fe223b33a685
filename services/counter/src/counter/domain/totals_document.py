"""The shape of what the counter stores and shows: a campaign's totals document and its hourly
history documents — their field names, their typed shape, and the paths a write increments. The
writer (application/apply.py, repository/totals.py), the reconcile recount (domain/recount.py), the
queries (repository/queries.py) and the API's reader (application/reader.py) all read them here. No
I/O.

    totals   {_id: campaign id, slug, signed, confirmed, volunteers,
              by_country|by_region|by_macro_region|by_partner: {key: Cell},
              updated_at, applied: {applied key: next offset}, version}
    history  {_id: "{campaign id}:{YYYY-MM-DDTHH}", campaign_id, hour,
              minutes: {"MM": Cell}, applied, version}

A Cell is {signed, confirmed, volunteers}, each written only once it is not zero: what a cell
lacks counts 0. `applied` and `version` guard the writes (repository/totals.py) and are never
shown."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal, TypedDict

TOTALS = "totals"  # collections
HISTORY = "history"

CountName = Literal["signed", "confirmed", "volunteers"]
COUNTS: tuple[CountName, ...] = ("signed", "confirmed", "volunteers")
Dimension = Literal["by_country", "by_region", "by_macro_region", "by_partner"]
DIMENSIONS: tuple[Dimension, ...] = ("by_country", "by_region", "by_macro_region", "by_partner")

SLUG = "slug"
UPDATED_AT = "updated_at"
APPLIED = "applied"
VERSION = "version"
CAMPAIGN_ID = "campaign_id"
HOUR = "hour"
MINUTES = "minutes"
_HOUR_FORMAT = "%Y-%m-%dT%H"


class Cell(TypedDict, total=False):
    """One place's, partner's or minute's counts; a count never incremented is absent."""

    signed: int
    confirmed: int
    volunteers: int


class TotalsCounts(TypedDict):
    """A totals document's numbers, overall and per dimension (as stored, or recounted)."""

    signed: int
    confirmed: int
    volunteers: int
    by_country: dict[str, Cell]
    by_region: dict[str, Cell]
    by_macro_region: dict[str, Cell]
    by_partner: dict[str, Cell]


# What the read side fetches: `applied` and `version` stay in the database.
READ_TOTALS: Final[dict[str, int]] = dict.fromkeys((SLUG, UPDATED_AT, *COUNTS, *DIMENSIONS), 1)
READ_HISTORY: Final[dict[str, int]] = {HOUR: 1, MINUTES: 1}


@dataclass(frozen=True)
class Counts:
    """The three numbers of a cell, the overall totals or a chart point."""

    signed: int = 0
    confirmed: int = 0
    volunteers: int = 0

    @classmethod
    def of(cls, stored: Any) -> Counts:
        """Counts from a stored cell (or document); what is missing, or not a count, is 0."""
        if not isinstance(stored, Mapping):
            return ZERO
        return cls(*(_count(stored.get(name)) for name in COUNTS))

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.signed + other.signed,
            self.confirmed + other.confirmed,
            self.volunteers + other.volunteers,
        )


ZERO = Counts()


def _count(value: Any) -> int:
    # bool is an int to Python, but never a count.
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def zero_counts() -> TotalsCounts:
    return TotalsCounts(
        signed=0,
        confirmed=0,
        volunteers=0,
        by_country={},
        by_region={},
        by_macro_region={},
        by_partner={},
    )


def totals_increments(
    counts: Mapping[CountName, int], keys: Mapping[Dimension, str | None]
) -> dict[str, int]:
    """`$inc` paths of a totals document for `counts`, overall and in each dimension's key
    (a dimension without a key — no region, no partner — left out; zero counts left out)."""
    given: dict[str, int] = {c: n for c, n in counts.items() if n}
    paths = dict(given)
    for dimension, key in keys.items():
        if key is not None:
            paths.update({f"{dimension}.{key}.{c}": n for c, n in given.items()})
    return paths


def minute_increments(at: datetime, counts: Mapping[CountName, int]) -> dict[str, int]:
    """`$inc` paths of the history document of `at`'s hour for `counts` in `at`'s minute."""
    return {f"{MINUTES}.{at.minute:02d}.{c}": n for c, n in counts.items() if n}


def hour_id(campaign_id: str, at: datetime) -> str:
    return f"{campaign_id}:{at.strftime(_HOUR_FORMAT)}"


def history_fields(doc_id: str) -> dict[str, Any]:
    """What a history document holds besides its counts, from its id."""
    campaign_id, hour = doc_id.rsplit(":", 1)
    start = datetime.strptime(hour, _HOUR_FORMAT).replace(tzinfo=UTC)
    return {CAMPAIGN_ID: campaign_id, HOUR: start}


def totals_fields(updated_at: datetime, slug: str | None) -> dict[str, Any]:
    """What a write of a totals document sets besides its counts (the slug once a signup told)."""
    return {UPDATED_AT: updated_at, **({SLUG: slug} if slug is not None else {})}


def applied_key(topic: str, partition: int) -> str:
    # Per topic and partition: a document's events of one topic may come from several
    # partitions (erasures). Topic names hold dots, which Mongo reads as paths.
    return f"{topic.replace('.', '_')}_{partition}"
