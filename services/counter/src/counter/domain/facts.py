"""How the ledger is stored: as facts, each written once by an insert and never updated.

An entry changes at most one way per batch, and each way is a fact of its own document id:

    signed     the signup that counted, with what it counted for (and its confirmation, when it
               was confirmed at once) — id: the entry id
    confirmed  the confirmation of an entry signed before, unconfirmed — id: entry id + "/confirmed"
    seen       a confirmation before any signup — id: entry id + "/seen"

Positions only ever go from unset to set, so "insert, and fail on a duplicate id" is a compare-and-
set: a writer whose view of an entry is stale (a consumer that lost its partitions but does not know
yet) cannot overwrite what the owner recorded; its insert fails, or adds a fact that the precedence
below ignores. Inserts are also what FerretDB/SQLite does fast (an update by _id scans the
collection). Every fact carries the Kafka partition of its campaign, so that a consumer reads the
ledger of the partitions it is assigned in one query. No I/O here."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import fields, replace
from typing import Any

from counter.domain.aggregation import Entry

Fact = dict[str, Any]
_ENTRY_FIELDS = tuple(f.name for f in fields(Entry))
# Values many entries share: one copy each in the consumer's memory.
_SHARED = frozenset({"campaign_id", "kind", "country", "region", "macro_region", "partner"})
CONFIRMED, SEEN = "/confirmed", "/seen"


def changes(before: Entry | None, after: Entry, partition: int) -> list[Fact]:
    """The fact to insert for an entry that went from `before` to `after` (none if unchanged)."""
    head: Fact = {
        "campaign_id": after.campaign_id,
        "supporter_key": after.supporter_key,
        "partition": partition,
    }
    if after.signed_pos is None:
        if after.confirm_seen is None or (before is not None and before.confirm_seen is not None):
            return []
        seen = {"confirm_seen": after.confirm_seen}
        return [{"_id": after.id + SEEN, "fact": "seen", **head, **seen}]
    if before is None or before.signed_pos is None:
        # Field by field: dataclasses.asdict deep-copies, a cost per signup.
        state = {name: getattr(after, name) for name in _ENTRY_FIELDS}
        return [{"_id": after.id, "fact": "signed", **head, **state}]
    if before.confirmed_pos is None and after.confirmed_pos is not None:
        confirmed = {"confirmed_pos": after.confirmed_pos}
        return [{"_id": after.id + CONFIRMED, "fact": "confirmed", **head, **confirmed}]
    return []


def _shared(name: str, value: Any) -> Any:
    return sys.intern(value) if name in _SHARED and isinstance(value, str) else value


class Folder:
    """Entries from their facts, one fact at a time in any order (a ledger is read as it streams
    in: holding its raw documents would take several times the entries' memory). The signed fact
    wins: a confirmation fact counts only for an entry signed unconfirmed (any other was added by
    a stale writer, whose totals write then failed)."""

    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}
        self._confirmations: dict[str, str] = {}  # entry id -> position, signed fact not read yet

    def add(self, fact: Fact) -> None:
        kind = fact.get("fact")
        if kind == "signed":
            entry = Entry(**{k: _shared(k, fact[k]) for k in _ENTRY_FIELDS if k in fact})
            confirmed = self._confirmations.pop(entry.id, None)
            if entry.confirmed_pos is None and confirmed is not None:
                entry = replace(entry, confirmed_pos=confirmed)
            self.entries[entry.id] = entry
        elif kind == "confirmed":
            entry_id = fact["_id"].removesuffix(CONFIRMED)
            found = self.entries.get(entry_id)
            if found is None or found.signed_pos is None:
                self._confirmations[entry_id] = fact["confirmed_pos"]
            elif found.confirmed_pos is None:
                self.entries[entry_id] = replace(found, confirmed_pos=fact["confirmed_pos"])
        elif kind == "seen":
            entry_id = fact["_id"].removesuffix(SEEN)
            if entry_id not in self.entries:
                self.entries[entry_id] = Entry(
                    _shared("campaign_id", fact["campaign_id"]),
                    fact["supporter_key"],
                    confirm_seen=fact["confirm_seen"],
                )


def fold(facts: Iterable[Fact]) -> dict[str, Entry]:
    """The entries the facts describe, by entry id."""
    folder = Folder()
    for fact in facts:
        folder.add(fact)
    return folder.entries
