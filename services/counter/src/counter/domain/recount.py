"""Totals recounted from the ledger, to check (and repair) the stored ones.

Only what the totals document has applied is recounted: an entry counts if the position that
counted it is before the document's applied offset for that topic and partition. So the check is
exact even while the consumer runs (the ledger is written before the totals)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from counter.domain.entries import Entry, counts_at
from counter.domain.totals_document import (
    COUNTS,
    DIMENSIONS,
    Cell,
    TotalsCounts,
    zero_counts,
)


def _before(pos: str | None, applied: dict[str, int]) -> bool:
    if pos is None:
        return False
    key, rest = pos.split("@", 1)
    return int(rest.rsplit(":", 1)[1]) < applied.get(key, 0)


def recount(entries: Iterable[Entry], applied: dict[str, int]) -> TotalsCounts:
    totals = zero_counts()
    for e in entries:
        # Every position that counted something for the entry, each once (a signup confirmed at
        # once is one position), with what it counted (an invalidation: less than nothing).
        positions = {e.signed_pos, e.confirmed_pos, *(a[0] for a in e.adjustments)}
        counted = dict.fromkeys(COUNTS, 0)
        for pos in positions:
            if pos is not None and _before(pos, applied):
                for name, n in zip(COUNTS, counts_at(e, pos), strict=True):
                    counted[name] += n
        for name, n in counted.items():
            if not n:
                continue
            totals[name] += n
            for dimension, key in zip(
                DIMENSIONS, (e.country, e.region, e.macro_region, e.partner), strict=True
            ):
                if key is not None:
                    cell = totals[dimension].setdefault(key, {})
                    cell[name] = cell.get(name, 0) + n
    return totals


def stored(doc: Mapping[str, Any] | None) -> TotalsCounts:
    """The counts of a totals document in recount()'s shape (zeros dropped from the maps)."""
    doc = doc or {}
    counts = zero_counts()
    for c in COUNTS:
        counts[c] = doc.get(c, 0)
    for dimension in DIMENSIONS:
        counts[dimension] = {
            key: _nonzero(cell)
            for key, cell in doc.get(dimension, {}).items()
            if any(cell.values())
        }
    return counts


def _nonzero(cell: Mapping[str, int]) -> Cell:
    kept = Cell()
    for c in COUNTS:
        if cell.get(c):
            kept[c] = cell[c]
    return kept


def drift(expected: TotalsCounts, actual: TotalsCounts) -> list[str]:
    """Human-readable differences, empty when the totals are right."""
    lines = [
        f"{c}: stored {actual[c]}, recounted {expected[c]}"
        for c in COUNTS
        if actual[c] != expected[c]
    ]
    for dimension in DIMENSIONS:
        for key in sorted(set(expected[dimension]) | set(actual[dimension])):
            want, have = expected[dimension].get(key, {}), actual[dimension].get(key, {})
            for c in COUNTS:
                stored_n, recounted_n = have.get(c, 0), want.get(c, 0)
                if stored_n != recounted_n:
                    lines.append(
                        f"{dimension}.{key}.{c}: stored {stored_n}, recounted {recounted_n}"
                    )
    return lines
