"""How the ledger is stored: as facts, each written once by an insert and never updated.

An entry changes at most one way per batch, and each way is a fact:

    signed     the signup that counted, with what it counted for (and its confirmation, when it
               was confirmed at once)
    confirmed  the confirmation of an entry signed before, unconfirmed
    seen       a confirmation before any signup

An entry has at most two facts (seen then signed, or signed then confirmed), and a fact's id is
the entry's version it creates: the entry id for its first fact, entry id + "/2" for its second.
So "insert, and fail on a duplicate id" is a compare-and-set on the entry's whole state: a writer
whose view of an entry is stale (a consumer that lost its partitions but does not know yet) writes
the version the owner wrote already, whatever kind of fact each wrote — its insert fails, it reads
the ledger again. (Ledgers written before this scheme hold ids ending in "/confirmed" and "/seen";
they fold the same way.) Inserts are also what FerretDB/SQLite does fast (an update by _id scans
the collection). Every fact carries the Kafka partition of its campaign, so that a consumer reads
the ledger of the partitions it is assigned in one query.

An entry an invalidation touched (domain/invalidation.py) may change many more times; from then on
each change is a `state` fact holding the whole entry, with ids entry id + "/m1", "/m2", … (the
same compare-and-set: a stale writer inserts a version that exists). The state fact of the
highest version is the entry; its other facts are older states. No I/O here."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import fields, replace
from typing import Any

from counter.domain.entries import Entry, entry_id
from counter.domain.packed_entries import PackedEntries

Fact = dict[str, Any]
# What a signed fact holds; the invalidation state lives in state facts only.
_MARK_FIELDS = ("hidden_by", "adjustments", "marks")
_ENTRY_FIELDS = tuple(f.name for f in fields(Entry) if f.name not in _MARK_FIELDS)
# Values many entries share: one copy each in the consumer's memory.
_SHARED = frozenset({"campaign_id", "kind", "country", "region", "macro_region", "partner"})
SECOND = "/2"


def changes(before: Entry | None, after: Entry, partition: int) -> list[Fact]:
    """The fact to insert for an entry that went from `before` to `after` (none if unchanged)."""
    head: Fact = {
        "campaign_id": after.campaign_id,
        "supporter_key": after.supporter_key,
        "partition": partition,
    }
    if after.adjustments:
        if before is not None and before == after:
            return []
        return [_state(after, head, (before.marks if before is not None else 0) + 1)]
    # The version this fact creates: an entry this writer knows has one fact already.
    fact_id = after.id if before is None else after.id + SECOND
    if after.signed_pos is None:
        if after.confirm_seen is None or (before is not None and before.confirm_seen is not None):
            return []
        seen = {"confirm_seen": after.confirm_seen}
        return [{"_id": fact_id, "fact": "seen", **head, **seen}]
    if before is None or before.signed_pos is None:
        # Field by field: dataclasses.asdict deep-copies, a cost per signup.
        state = {name: getattr(after, name) for name in _ENTRY_FIELDS}
        return [{"_id": fact_id, "fact": "signed", **head, **state}]
    if before.confirmed_pos is None and after.confirmed_pos is not None:
        confirmed = {"confirmed_pos": after.confirmed_pos}
        return [{"_id": fact_id, "fact": "confirmed", **head, **confirmed}]
    return []


def _state(entry: Entry, head: Fact, version: int) -> Fact:
    state = {name: getattr(entry, name) for name in _ENTRY_FIELDS}
    # Documents, not arrays: FerretDB 1.x stores no nested arrays.
    adjustments = [
        {"at": p, "signed": s, "confirmed": c, "volunteers": v} for p, s, c, v in entry.adjustments
    ]
    return {
        "_id": f"{entry.id}/m{version}",
        "fact": "state",
        **head,
        **state,
        "hidden_by": entry.hidden_by,
        "adjustments": adjustments,
        "marks": version,
    }


def recorded(before: Entry | None, after: Entry) -> Entry:
    """The entry as the ledger holds it once changes(before, after) are inserted."""
    if not after.adjustments or (before is not None and before == after):
        return after
    return replace(after, marks=(before.marks if before is not None else 0) + 1)


def _from_state(fact: Fact) -> Entry:
    values = {k: _shared(k, fact[k]) for k in _ENTRY_FIELDS if k in fact}
    adjustments = tuple(
        (a["at"], a["signed"], a["confirmed"], a["volunteers"]) for a in fact["adjustments"]
    )
    return Entry(
        **values, hidden_by=fact.get("hidden_by"), adjustments=adjustments, marks=fact["marks"]
    )


def _shared(name: str, value: Any) -> Any:
    return sys.intern(value) if name in _SHARED and isinstance(value, str) else value


class Folder:
    """Entries from their facts, one fact at a time in any order (a ledger is read as it streams
    in: holding its raw documents would take several times the entries' memory; the entries are
    kept packed, as the consumer keeps them). The signed fact
    wins: a confirmation fact counts only for an entry signed unconfirmed (any other was added by
    a stale writer, whose totals write then failed)."""

    def __init__(self) -> None:
        self.entries = PackedEntries()
        self._confirmations: dict[str, str] = {}  # entry id -> position, signed fact not read yet
        self._marks: dict[str, int] = {}  # entry id -> version of its latest state fact read

    def add(self, fact: Fact) -> None:
        kind = fact.get("fact")
        if "supporter_key" in fact:
            of = entry_id(fact["campaign_id"], fact["supporter_key"])
            if kind == "state" and fact["marks"] > self._marks.get(of, 0):
                self._marks[of] = fact["marks"]
                self.entries[of] = _from_state(fact)
            if of in self._marks:
                return  # a state fact holds the whole entry
        if kind == "signed":
            entry = Entry(**{k: _shared(k, fact[k]) for k in _ENTRY_FIELDS if k in fact})
            confirmed = self._confirmations.pop(entry.id, None)
            if entry.confirmed_pos is None and confirmed is not None:
                entry = replace(entry, confirmed_pos=confirmed)
            self.entries[entry.id] = entry
        elif kind == "confirmed":
            of = entry_id(fact["campaign_id"], fact["supporter_key"])
            found = self.entries.get(of)
            if found is None or found.signed_pos is None:
                self._confirmations[of] = fact["confirmed_pos"]
            elif found.confirmed_pos is None:
                self.entries[of] = replace(found, confirmed_pos=fact["confirmed_pos"])
        elif kind == "seen":
            of = entry_id(fact["campaign_id"], fact["supporter_key"])
            if of not in self.entries:
                self.entries[of] = Entry(
                    _shared("campaign_id", fact["campaign_id"]),
                    fact["supporter_key"],
                    confirm_seen=fact["confirm_seen"],
                )


def fold(facts: Iterable[Fact]) -> dict[str, Entry]:
    """The entries the facts describe, by entry id."""
    folder = Folder()
    for fact in facts:
        folder.add(fact)
    return dict(folder.entries)
