"""The ledger entries a consumer keeps in memory (application/apply.py), packed: a consumer holds
every entry of the partitions it owns, one per supporter, so their size is most of its memory.

An `Entry` object with its own strings takes ~550 bytes (its supporter key twice: in the object
and in its entry id, which keys the mapping; two positions of ~75 bytes; a datetime). A signed
entry, which is nearly all of them, is kept as one bytes object instead (~70 bytes beside its
entry id): what it shares with others (its campaign, kind, place and partner) and the topics and
partitions of its positions as indexes into small tables, its positions' offsets and the time it
signed as numbers, its supporter key not at all (the entry id holds it). Reading one builds an
equal `Entry` again; any entry that does not fit that form (a confirmation seen first, an entry
an invalidation touched) is kept as it is. No I/O here."""

from __future__ import annotations

import struct
from collections.abc import Iterator, MutableMapping
from datetime import UTC, datetime, timedelta
from typing import Generic, TypeVar, overload

from counter.domain.entries import Entry

# campaign_id, kind, country, region, macro_region, partner
Profile = tuple[str, str | None, str | None, str | None, str | None, str | None]
# Profile index, flags, signed_at in µs, signed_pos's topic and partition index and offset,
# confirmed_pos's (when not the same as signed_pos).
_LAYOUT = struct.Struct("<IBqIqIq")
_SIGNED_AT = 1
_AWARE = 2  # signed_at is in UTC (any tzinfo of offset 0: read back with datetime.UTC)
_CONFIRMED = 4
_CONFIRMED_AT_SIGNUP = 8  # confirmed_pos is signed_pos (no double opt-in)
_AWARE_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)
_INT64 = 1 << 63
T = TypeVar("T")
D = TypeVar("D")


class _Table(Generic[T]):
    """Values many entries share, each once, by index."""

    def __init__(self) -> None:
        self._index: dict[T, int] = {}
        self.values: list[T] = []

    def index(self, value: T) -> int:
        found = self._index.get(value)
        if found is None:
            found = self._index[value] = len(self.values)
            self.values.append(value)
        return found


class PackedEntries(MutableMapping[str, Entry]):
    """Entries by entry id, as a dict of them would hold them, in a third of its memory."""

    def __init__(self) -> None:
        self._kept: dict[str, bytes | Entry] = {}
        self._profiles: _Table[Profile] = _Table()
        self._places: _Table[str] = _Table()  # positions' "topic@partition"

    def __getitem__(self, entry_id: str) -> Entry:
        kept = self._kept[entry_id]
        return kept if isinstance(kept, Entry) else self._unpack(entry_id, kept)

    @overload
    def get(self, entry_id: str, /) -> Entry | None: ...
    @overload
    def get(self, entry_id: str, default: Entry | D, /) -> Entry | D: ...
    def get(self, entry_id: str, default: object = None) -> object:
        # Mapping's own get goes through __getitem__ and a KeyError: slower on a miss, which is
        # every new supporter.
        kept = self._kept.get(entry_id)
        if kept is None:
            return default
        return kept if isinstance(kept, Entry) else self._unpack(entry_id, kept)

    def __setitem__(self, entry_id: str, entry: Entry) -> None:
        self._kept[entry_id] = self._pack(entry_id, entry)

    def __delitem__(self, entry_id: str) -> None:
        del self._kept[entry_id]

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._kept

    def __iter__(self) -> Iterator[str]:
        return iter(self._kept)

    def __len__(self) -> int:
        return len(self._kept)

    def _pack(self, entry_id: str, entry: Entry) -> bytes | Entry:
        if (
            entry.signed_pos is None
            or entry.confirm_seen is not None
            or entry.hidden_by is not None
            or entry.adjustments
            or entry.marks
            or entry_id != entry.id
        ):
            return entry
        signed = _split(entry.signed_pos)
        flags, micros = 0, 0
        if entry.signed_at is not None:
            at = entry.signed_at
            if at.tzinfo is None:
                micros = (at - _NAIVE_EPOCH) // _MICROSECOND
            elif at.utcoffset() == timedelta(0):
                flags |= _AWARE
                micros = (at - _AWARE_EPOCH) // _MICROSECOND
            else:
                return entry
            flags |= _SIGNED_AT
        confirmed: tuple[str, int] | None = ("", 0)
        if entry.confirmed_pos == entry.signed_pos:
            flags |= _CONFIRMED | _CONFIRMED_AT_SIGNUP
        elif entry.confirmed_pos is not None:
            flags |= _CONFIRMED
            confirmed = _split(entry.confirmed_pos)
        if signed is None or confirmed is None:
            return entry
        profile: Profile = (
            entry.campaign_id,
            entry.kind,
            entry.country,
            entry.region,
            entry.macro_region,
            entry.partner,
        )
        return _LAYOUT.pack(
            self._profiles.index(profile),
            flags,
            micros,
            self._places.index(signed[0]),
            signed[1],
            self._places.index(confirmed[0]),
            confirmed[1],
        )

    def _unpack(self, entry_id: str, packed: bytes) -> Entry:
        profile, flags, micros, place, offset, confirmed_place, confirmed_offset = _LAYOUT.unpack(
            packed
        )
        campaign_id, kind, country, region, macro_region, partner = self._profiles.values[profile]
        signed_pos = f"{self._places.values[place]}:{offset}"
        confirmed_pos = None
        if flags & _CONFIRMED_AT_SIGNUP:
            confirmed_pos = signed_pos
        elif flags & _CONFIRMED:
            confirmed_pos = f"{self._places.values[confirmed_place]}:{confirmed_offset}"
        signed_at = None
        if flags & _SIGNED_AT:
            epoch = _AWARE_EPOCH if flags & _AWARE else _NAIVE_EPOCH
            signed_at = epoch + micros * _MICROSECOND
        return Entry(
            campaign_id=campaign_id,
            supporter_key=entry_id[len(campaign_id) + 1 :],
            kind=kind,
            country=country,
            region=region,
            macro_region=macro_region,
            partner=partner,
            signed_at=signed_at,
            signed_pos=signed_pos,
            confirmed_pos=confirmed_pos,
        )


def _split(pos: str) -> tuple[str, int] | None:
    """A position (aggregation.position: "topic@partition:offset") as its place and offset, or
    None if it would not read back as the same string."""
    place, colon, offset = pos.rpartition(":")
    if not colon or not offset.isascii() or not offset.isdigit():
        return None
    if offset != "0" and offset.startswith("0"):
        return None
    number = int(offset)
    return (place, number) if number < _INT64 else None
