"""Invalidations in the counter's pure rules: what they subtract and give back, in every
dimension, once, whatever is replayed; and how their ledger facts read back."""

from __future__ import annotations

import itertools
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Literal

import pytest

from counter.domain import aggregation
from counter.domain.entries import Entry
from counter.domain.facts import Fact, changes, fold, recorded
from counter.domain.recount import recount, stored
from mobilise_events import ErasedSignup, Event, SignupsInvalidated, SupporterErased
from tests.unit.test_counter_aggregation import confirm, signup

FIRST, SECOND = uuid.uuid4(), uuid.uuid4()
LATER = datetime(2026, 3, 8, 11, 5, tzinfo=UTC)


Action = Literal["invalidate", "revert"]


def invalidation(of: uuid.UUID, *keys: str, action: Action = "invalidate") -> SignupsInvalidated:
    return SignupsInvalidated(
        invalidation_id=of,
        campaign_id="c1",
        action=action,
        supporter_keys=keys,
        occurred_at=LATER,
    )


def totals(
    events: list[tuple[Event, str]], entries: dict[str, Entry] | None = None
) -> Counter[str]:
    """Every $inc path the events add up to (zeros dropped), as the totals document holds them."""
    entries = {} if entries is None else entries
    summed: Counter[str] = Counter()
    for event, pos in events:
        for c in aggregation.apply(entries, event, pos):
            summed.update(c.increments())
    return Counter({path: n for path, n in summed.items() if n})


SIGNUPS: list[tuple[Event, str]] = [
    (signup("k1"), "p@0:0"),
    (signup("k2", country="FR"), "p@0:1"),
    (signup("k3", volunteer=True), "v@0:0"),
    (confirm("k1"), "c@0:0"),
]


def test_an_invalidation_subtracts_exactly_what_its_entries_counted_and_a_revert_adds_it_back() -> (
    None
):
    entries: dict[str, Entry] = {}
    before = totals(SIGNUPS, entries)
    k1_k3 = totals(
        [(signup("k1"), "x@0:0"), (confirm("k1"), "x@0:1"), (signup("k3", volunteer=True), "x@0:2")]
    )
    dropped = totals([(invalidation(FIRST, "k1", "k3"), "i@0:0")], entries)
    assert dropped == Counter({p: -n for p, n in k1_k3.items()})
    assert (dropped["signed"], dropped["confirmed"], dropped["volunteers"]) == (-2, -1, -1)
    assert dropped["by_partner.asso-dakar.signed"] == -2
    assert dropped["by_region.SN-DK.signed"] == -2
    back = totals([(invalidation(FIRST, "k1", "k3", action="revert"), "i@0:1")], entries)
    assert back == k1_k3
    assert before == totals(SIGNUPS)


def test_overlapping_invalidations_take_an_entry_once_and_only_its_own_revert_gives_it_back() -> (
    None
):
    entries: dict[str, Entry] = {}
    totals(SIGNUPS, entries)
    assert totals([(invalidation(FIRST, "k1"), "i@0:0")], entries)["signed"] == -1
    assert totals([(invalidation(SECOND, "k1", "k2"), "i@0:1")], entries)["signed"] == -1  # k2
    assert (
        totals([(invalidation(SECOND, "k1", "k2", action="revert"), "i@0:2")], entries)["signed"]
        == 1
    )  # k2 only: k1 is FIRST's
    assert entries["c1:k1"].hidden_by == str(FIRST)
    assert totals([(invalidation(FIRST, "k1", action="revert"), "i@0:3")], entries)["signed"] == 1
    assert totals([(invalidation(FIRST, "k1", action="revert"), "i@0:4")], entries) == Counter()


def test_a_confirmation_while_held_out_counts_nothing_until_the_revert() -> None:
    entries: dict[str, Entry] = {}
    totals([(signup("k1"), "p@0:0"), (invalidation(FIRST, "k1"), "i@0:0")], entries)
    assert totals([(confirm("k1"), "c@0:0")], entries) == Counter()
    back = totals([(invalidation(FIRST, "k1", action="revert"), "i@0:1")], entries)
    assert (back["signed"], back["confirmed"]) == (1, 1)


def test_a_signup_still_in_flight_when_invalidated_counts_nothing_when_it_comes() -> None:
    entries: dict[str, Entry] = {}
    assert totals([(invalidation(FIRST, "k1"), "i@0:0")], entries) == Counter()
    assert totals([(signup("k1"), "p@0:0"), (confirm("k1"), "c@0:0")], entries) == Counter()
    back = totals([(invalidation(FIRST, "k1", action="revert"), "i@0:1")], entries)
    assert (back["signed"], back["confirmed"], back["by_country.SN.signed"]) == (1, 1, 1)


HISTORY: list[tuple[Event, str]] = [
    (invalidation(FIRST, "k4"), "i@0:0"),  # before k4's signup
    *SIGNUPS,
    (signup("k4"), "p@0:2"),
    (invalidation(FIRST, "k1", "k2"), "i@0:1"),
    (invalidation(SECOND, "k2", "k3"), "i@0:2"),
    (confirm("k2"), "c@0:1"),
    (invalidation(FIRST, "k1", "k2", "k4", action="revert"), "i@0:3"),
    (invalidation(SECOND, "k2", "k3", action="revert"), "i@0:4"),
    (invalidation(SECOND, "k2"), "i@0:5"),
]


@pytest.mark.parametrize("replayed", list(itertools.combinations(range(len(HISTORY)), 3))[::7])
def test_replayed_in_the_final_state_every_event_contributes_what_it_did(
    replayed: tuple[int, ...],
) -> None:
    entries: dict[str, Entry] = {}
    first = [totals([step], entries) for step in HISTORY]
    for i in replayed:
        assert totals([HISTORY[i]], entries) == first[i]


def record(batches: list[list[tuple[Event, str]]]) -> tuple[dict[str, Entry], list[Fact]]:
    """As the applier does: one fact per changed entry per batch, then the entry as recorded."""
    entries: dict[str, Entry] = {}
    facts: list[Fact] = []
    for batch in batches:
        before = dict(entries)
        totals(batch, entries)
        for i, after in list(entries.items()):
            if before.get(i) != after:
                facts += changes(before.get(i), after, partition=1)
                entries[i] = recorded(before.get(i), after)
    return entries, facts


@pytest.mark.parametrize("cut", [1, 2, 3, len(HISTORY)])
def test_the_facts_read_back_as_the_entries_in_memory_and_recount_agrees(cut: int) -> None:
    batches = [HISTORY[i : i + cut] for i in range(0, len(HISTORY), cut)]
    entries, facts = record(batches)
    assert fold(facts) == entries
    assert fold(reversed(facts)) == entries
    assert len({f["_id"] for f in facts}) == len(facts), "a fact id written twice"
    summed = totals(HISTORY)
    as_doc: dict[str, object] = {}
    for path, n in summed.items():
        *parents, leaf = path.split(".")
        node = as_doc
        for p in parents:
            node = node.setdefault(p, {})  # type: ignore[assignment]
        node[leaf] = n
    # Positions read "<applied key>@partition:offset": every offset above is applied.
    applied = {"i": 6, "p": 3, "v": 1, "c": 2}
    assert recount(entries.values(), applied) == stored(as_doc)


def test_a_stale_writer_of_a_held_out_entry_collides_with_the_owners_state_fact() -> None:
    entries, _ = record([[(signup("k1"), "p@0:0")], [(invalidation(FIRST, "k1"), "i@0:0")]])
    owner = changes(entries["c1:k1"], entries["c1:k1"], partition=1)
    assert owner == []
    stale_before = entries["c1:k1"]
    stale = dict(entries)
    totals([(confirm("k1"), "c@0:0")], stale)
    owners = dict(entries)
    totals([(invalidation(FIRST, "k1", action="revert"), "i@0:1")], owners)
    ids = {f["_id"] for f in changes(stale_before, stale["c1:k1"], partition=1)}
    assert ids == {f["_id"] for f in changes(stale_before, owners["c1:k1"], partition=1)}


def test_an_erasure_keeps_an_invalidated_supporter_held_out_and_a_revert_counts_them() -> None:
    erased = SupporterErased(
        email="a@example.org", signups=(ErasedSignup(campaign_id="c1", supporter_key="k1"),)
    )
    entries: dict[str, Entry] = {}
    totals([(signup("k1"), "p@0:0"), (invalidation(FIRST, "k1"), "i@0:0")], entries)
    held = dict(entries)
    assert totals([(erased, "e@0:0")], entries) == Counter()
    assert entries == held
    back = totals([(invalidation(FIRST, "k1", action="revert"), "i@0:1")], entries)
    assert back["signed"] == 1  # a count, no one's data: the person's records are gone anyway
