"""The ledger's storage as facts: what the consumer keeps in memory is what the facts it inserted
read back as, in any order of events and any split into batches; a stale writer's extra fact
changes nothing."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from counter.domain import aggregation
from counter.domain.entries import Entry
from counter.domain.facts import Fact, changes, fold
from tests.unit.test_counter_aggregation import EVENTS, confirm, signup


def record(batches: list[list[int]]) -> tuple[dict[str, Entry], list[Fact]]:
    """Apply EVENTS batch by batch as the applier does: one fact per changed entry per batch."""
    entries: dict[str, Entry] = {}
    facts: list[Fact] = []
    for batch in batches:
        before = dict(entries)
        for i in batch:
            event, pos = EVENTS[i]
            aggregation.apply(entries, event, pos)
        for entry_id, after in entries.items():
            facts += changes(before.get(entry_id), after, partition=3)
    return entries, facts


@pytest.mark.parametrize("order", list(itertools.permutations(range(len(EVENTS))))[::37])
@pytest.mark.parametrize("cut", [1, 2, 6])
def test_the_facts_read_back_as_the_entries_in_memory(order: tuple[int, ...], cut: int) -> None:
    batches = [list(order[i : i + cut]) for i in range(0, len(order), cut)]
    entries, facts = record(batches)
    assert fold(facts) == entries
    assert fold(reversed(facts)) == entries  # a scan returns them in any order
    assert len({f["_id"] for f in facts}) == len(facts), "a fact id written twice"
    assert {f["partition"] for f in facts} == {3}


def test_an_unchanged_entry_records_nothing() -> None:
    entries: dict[str, Entry] = {}
    aggregation.apply(entries, signup("k1"), "p@0:0")
    before = dict(entries)
    aggregation.apply(entries, signup("k1"), "p@0:1")  # a repeat
    assert changes(before["c1:k1"], entries["c1:k1"], partition=0) == []


def test_a_stale_writers_confirmation_fact_does_not_move_a_confirmed_signup() -> None:
    # Confirmed at signing (no double opt-in); a writer that never saw the signup's entry would
    # record a confirmation fact of its own: the signed fact keeps its confirmation.
    entries: dict[str, Entry] = {}
    aggregation.apply(entries, signup("k1", doi=False), "p@0:0")
    signed = entries["c1:k1"]
    zombie = changes(
        replace(signed, confirmed_pos=None), replace(signed, confirmed_pos="c@0:9"), partition=0
    )
    assert [f["fact"] for f in zombie] == ["confirmed"]
    facts = changes(None, signed, partition=0) + zombie
    assert fold(facts)["c1:k1"].confirmed_pos == "p@0:0"
    assert fold(reversed(facts))["c1:k1"].confirmed_pos == "p@0:0"


def test_a_confirmation_before_its_signup_is_a_fact_of_its_own() -> None:
    entries: dict[str, Entry] = {}
    aggregation.apply(entries, confirm("k1"), "c@0:0")
    facts = changes(None, entries["c1:k1"], partition=0)
    assert [f["fact"] for f in facts] == ["seen"]
    assert fold(facts) == entries
