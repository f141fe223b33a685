"""The counter's pure rules: what each event contributes, replayed in any order."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime

import pytest

from counter.domain import aggregation
from counter.domain.entries import Contribution, Entry
from counter.domain.m49 import MACRO_REGION, macro_region
from counter.domain.recount import drift, recount, stored
from mobilise_events import (
    ErasedSignup,
    Event,
    PledgeSigned,
    SignupConfirmed,
    SupporterErased,
    VolunteerRegistered,
)

AT = datetime(2026, 3, 8, 9, 30, tzinfo=UTC)


def signup(key: str, *, country: str = "SN", volunteer: bool = False, doi: bool = True) -> Event:
    fields = {
        "signup_id": uuid.uuid4(),
        "occurred_at": AT,
        "campaign_id": "c1",
        "campaign_slug": "femmes",
        "supporter_key": key,
        "email": "a@example.org",
        "first_name": "Awa",
        "country": country,
        "region": "SN-DK" if country == "SN" else None,
        "locale": "fr",
        "newsletter_opt_in": True,
        "consent_text_version": "v1",
        "partner": "asso-dakar",
        "double_opt_in": doi,
        "unsubscribe_token": "t",
    }
    if volunteer:
        return VolunteerRegistered(**fields, skills=("mentoring",), availability="more")
    return PledgeSigned(**fields)


def confirm(key: str) -> Event:
    return SignupConfirmed(
        signup_id=uuid.uuid4(), campaign_id="c1", supporter_key=key, occurred_at=AT
    )


def counts(contributions: list[Contribution]) -> tuple[int, int, int]:
    return (
        sum(c.signed for c in contributions),
        sum(c.confirmed for c in contributions),
        sum(c.volunteers for c in contributions),
    )


def run(
    events: list[tuple[Event, str]], entries: dict[str, Entry] | None = None
) -> tuple[tuple[int, int, int], dict[str, Entry]]:
    entries = {} if entries is None else entries
    out: list[Contribution] = []
    for event, pos in events:
        out += aggregation.apply(entries, event, pos)
    return counts(out), entries


def test_a_repeat_signup_counts_once() -> None:
    (totals, _) = run([(signup("k1"), "p@0:0"), (signup("k1"), "p@0:1"), (signup("k2"), "p@0:2")])
    assert totals == (2, 0, 0)


def test_a_confirmation_counts_once() -> None:
    totals, _ = run([(signup("k1"), "p@0:0"), (confirm("k1"), "c@0:0"), (confirm("k1"), "c@0:1")])
    assert totals == (1, 1, 0)


def test_a_confirmation_before_its_signup_counts_when_the_signup_comes() -> None:
    events = [(confirm("k1"), "c@0:0"), (signup("k1"), "p@0:0")]
    first, _ = run(events[:1])
    assert first == (0, 0, 0)
    assert run(events)[0] == (1, 1, 0)


def test_without_double_opt_in_a_signup_is_confirmed_at_once() -> None:
    totals, _ = run([(signup("k1", doi=False), "p@0:0"), (confirm("k1"), "c@0:0")])
    assert totals == (1, 1, 0)


def test_volunteers_are_counted_apart() -> None:
    totals, _ = run([(signup("k1", volunteer=True), "v@0:0"), (signup("k2"), "p@0:0")])
    assert totals == (2, 0, 1)


def test_an_erasure_changes_no_count_and_no_entry_so_a_replayed_signup_stays_a_repeat() -> None:
    erased = SupporterErased(
        email="a@example.org", signups=(ErasedSignup(campaign_id="c1", supporter_key="k1"),)
    )
    _, entries = run([(signup("k1"), "p@0:0")])
    before = dict(entries)
    assert run([(erased, "e@0:0")], entries)[0] == (0, 0, 0)
    assert entries == before
    assert run([(signup("k1"), "p@0:7")], entries)[0] == (0, 0, 0)


EVENTS = [
    (signup("k1"), "p@0:0"),
    (signup("k1"), "p@0:1"),
    (confirm("k1"), "c@0:0"),
    (confirm("k2"), "c@0:1"),
    (signup("k2", volunteer=True), "v@0:0"),
    (signup("k3", doi=False), "p@0:2"),
]


@pytest.mark.parametrize("order", list(itertools.permutations(range(4)))[:12])
def test_replaying_after_the_fact_contributes_the_same(order: tuple[int, ...]) -> None:
    # Apply everything once, then replay any events again on the final ledger state (as after a
    # crash between the ledger and the totals writes): each replay contributes what it did.
    entries: dict[str, Entry] = {}

    def effect(contributions: list[Contribution]) -> list[dict[str, int]]:
        return [c.increments() for c in contributions]

    first = [effect(aggregation.apply(entries, e, pos)) for e, pos in EVENTS]
    for i in order:
        event, pos = EVENTS[i]
        assert effect(aggregation.apply(entries, event, pos)) == first[i]


def test_all_orders_give_the_same_totals() -> None:
    results = {run([EVENTS[i] for i in order])[0] for order in itertools.permutations(range(6))}
    # Orders differ in which signup of k1 is first, never in the totals.
    assert results == {(3, 3, 1)}


def test_increments_cover_every_dimension() -> None:
    [c] = aggregation.apply({}, signup("k1", doi=False), "p@0:0")
    assert c.increments() == {
        "signed": 1,
        "confirmed": 1,
        "by_country.SN.signed": 1,
        "by_country.SN.confirmed": 1,
        "by_region.SN-DK.signed": 1,
        "by_region.SN-DK.confirmed": 1,
        "by_macro_region.Africa.signed": 1,
        "by_macro_region.Africa.confirmed": 1,
        "by_partner.asso-dakar.signed": 1,
        "by_partner.asso-dakar.confirmed": 1,
    }


def test_every_country_has_a_macro_region() -> None:
    import pycountry

    assert {c.alpha_2 for c in pycountry.countries} <= set(MACRO_REGION)
    assert [macro_region(c) for c in ("FR", "SN", "BR", "IN", "AU")] == [
        "Europe",
        "Africa",
        "Americas",
        "Asia",
        "Oceania",
    ]


def test_recount_counts_only_what_the_totals_applied() -> None:
    entries: dict[str, Entry] = {}
    for event, pos in [
        (signup("k1"), "p_0@0:0"),
        (signup("k2"), "p_0@0:1"),
        (confirm("k1"), "c_0@0:0"),
    ]:
        aggregation.apply(entries, event, pos)
    # The totals document has applied p_0 up to offset 1 (excluded) and no confirmation yet.
    partial = recount(entries.values(), {"p_0": 1})
    assert (partial["signed"], partial["confirmed"]) == (1, 0)
    full = recount(entries.values(), {"p_0": 2, "c_0": 1})
    assert full["by_country"] == {"SN": {"signed": 2, "confirmed": 1}}
    assert (
        drift(
            full,
            stored(
                {
                    "signed": 2,
                    "confirmed": 1,
                    "by_country": full["by_country"],
                    "by_region": full["by_region"],
                    "by_macro_region": full["by_macro_region"],
                    "by_partner": full["by_partner"],
                }
            ),
        )
        == []
    )
    lines = drift(full, stored({"signed": 3, "by_country": {"SN": {"signed": 3}}}))
    assert "signed: stored 3, recounted 2" in lines
    assert "by_country.SN.signed: stored 3, recounted 2" in lines
    assert "by_partner.asso-dakar.confirmed: stored 0, recounted 1" in lines
