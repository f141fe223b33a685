"""The counter's write side as a state machine: BatchApplier against the real FerretDB, fed batches
that any Kafka fetch could hand it, crashed between (and in the middle of) its writes, redelivered
from the group's committed offsets — and counting, at every step, what the rules say.

No Kafka here: the machine keeps each topic partition's log and the consumer group's committed
offsets itself, so it can deliver any batch a fetch could (any end per partition, partitions
interleaved in any order) and crash wherever it likes. 30 examples by default (a few seconds);
COUNTER_SM_EXAMPLES=1500 for a soak."""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import Coroutine, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.internal.conjecture import engine
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from counter.application.apply import BatchApplier
from counter.domain.entries import entry_id
from counter.domain.facts import Fact
from counter.repository.ledger import LedgerRepository
from counter.repository.totals import Change, GuardedDocuments, TotalsRepository
from devstack.config import StackConfig
from devstack.harness.events import of_supporter
from mobilise_events import (
    ErasedSignup,
    Event,
    PledgeSigned,
    Signup,
    SignupConfirmed,
    SupporterErased,
    VolunteerRegistered,
)
from mobilise_runtime.kafka import Received
from mobilise_runtime.locks import DocumentLocks
from mobilise_runtime.mongo import Document, ServiceDatabase

T = TypeVar("T")
PREFIX = "sm."
PARTITIONS = 2
START = datetime(2026, 3, 8, 9, 0, tzinfo=UTC)
COUNTS = ("signed", "confirmed", "volunteers")
DIMENSIONS = ("by_country", "by_region", "by_macro_region", "by_partner")
MACRO_REGION = {"FR": "Europe", "SN": "Africa", "CI": "Africa", "CA": "Americas"}
PLACES = [
    ("FR", "FR-IDF"),
    ("FR", None),
    ("SN", "SN-DK"),
    ("SN", None),
    ("CI", None),
    ("CA", "CA-QC"),
]
PARTNERS = [None, "partner-a", "partner-b"]
KEYS = [f"supporter-{i}" for i in range(4)]


@dataclass(frozen=True)
class Campaign:
    id: str
    kind: type[Signup]
    double_opt_in: bool
    partition: int  # of every signup topic: events are keyed by campaign


CAMPAIGNS = [
    Campaign("c-pledge", PledgeSigned, double_opt_in=True, partition=0),
    Campaign("c-volunteer", VolunteerRegistered, double_opt_in=False, partition=1),
    # Shares partition 0 with c-pledge, so one partition's offsets feed two totals documents.
    Campaign("c-mentoring", VolunteerRegistered, double_opt_in=True, partition=0),
]
TOPICS = [PREFIX + t.topic for t in (PledgeSigned, VolunteerRegistered, SignupConfirmed)]
ERASED = PREFIX + SupporterErased.topic
Position = tuple[str, int, int]  # topic, partition, offset
Supporter = tuple[str, str]  # campaign id, supporter key


class Crash(Exception):
    """The process dies here."""


class CrashingLedger(LedgerRepository):
    """Records only the first `crash_after` facts of the next batch (one per changed entry),
    then dies."""

    crash_after: int | None = None
    unsaved: frozenset[str] = frozenset()

    async def record(self, facts: Sequence[Fact]) -> None:
        if self.crash_after is None:
            return await super().record(facts)
        kept, self.crash_after = facts[: self.crash_after], None
        await super().record(kept)
        self.unsaved = frozenset(
            entry_id(f["campaign_id"], f["supporter_key"]) for f in facts[len(kept) :]
        )
        raise Crash


class CrashingDocuments(GuardedDocuments):
    """Writes only the first `crash_after` documents of the next write (bulk writes are ordered,
    not atomic), then dies."""

    crash_after: int | None = None

    async def write(self, changes: Mapping[str, Change]) -> None:
        if self.crash_after is None:
            return await super().write(changes)
        kept, self.crash_after = list(changes.items())[: self.crash_after], None
        await super().write(dict(kept))
        raise Crash


@dataclass
class LedgerView:
    """What the ledger knows of one supporter, as the rules say it should: the first signup it
    saw counts the signup; the confirmation is counted by that signup if the campaign has no
    double opt-in or a confirmation came first, otherwise by the first confirmation after it."""

    first: Received | None = None
    confirm_seen: bool = False
    confirmed_by: Received | None = None

    def see(self, received: Received) -> None:
        event = received.event
        if isinstance(event, Signup) and self.first is None:
            self.first = received
            if self.confirm_seen or not event.double_opt_in:
                self.confirmed_by = received
        elif isinstance(event, SignupConfirmed):
            if self.first is None:
                self.confirm_seen = True
            elif self.confirmed_by is None:
                self.confirmed_by = received


Totals = dict[str, Any]


def _empty() -> Totals:
    return {**dict.fromkeys(COUNTS, 0), **{d: {} for d in DIMENSIONS}}


def _count(totals: Totals, signup: Signup, counts: Iterable[str]) -> None:
    keys = {
        "by_country": signup.country,
        "by_region": signup.region,
        "by_macro_region": MACRO_REGION[signup.country],
        "by_partner": signup.partner,
    }
    for c in counts:
        totals[c] += 1
        for dimension, key in keys.items():
            if key is not None:
                cell = totals[dimension].setdefault(key, dict.fromkeys(COUNTS, 0))
                cell[c] += 1


def _stored(doc: Document | None) -> Totals:
    """A totals document's counts, with the zero counts `$inc` never wrote filled in."""
    totals = _empty()
    for c in COUNTS:
        totals[c] = (doc or {}).get(c, 0)
    for dimension in DIMENSIONS:
        for key, cell in (doc or {}).get(dimension, {}).items():
            totals[dimension][key] = {c: cell.get(c, 0) for c in COUNTS}
    return totals


def rules_model(events: Iterable[Received]) -> Totals:
    """The counting rules, from scratch: a supporter counts once, by their first signup; confirmed
    once if the campaign has no double opt-in or any confirmation of theirs is in; volunteers are
    supporters whose signup is a volunteer registration; erasures count nothing."""
    first: dict[Supporter, Received] = {}
    confirmations: set[Supporter] = set()
    for r in sorted(events, key=lambda r: r.offset):
        e = r.event
        if isinstance(e, Signup):
            first.setdefault((e.campaign_id, e.supporter_key), r)
        elif isinstance(e, SignupConfirmed):
            confirmations.add((e.campaign_id, e.supporter_key))
    totals = _empty()
    for supporter, r in first.items():
        assert isinstance(r.event, Signup)
        counts = ["signed"]
        if isinstance(r.event, VolunteerRegistered):
            counts.append("volunteers")
        if not r.event.double_opt_in or supporter in confirmations:
            counts.append("confirmed")
        _count(totals, r.event, counts)
    return totals


def _key(topic: str, partition: int) -> str:
    return f"{topic.removeprefix(PREFIX).replace('.', '_')}_{partition}"


def _position(received: Received) -> Position:
    return (received.topic, received.partition, received.offset)


def _is_applied(received: Received, applied: Mapping[str, int]) -> bool:
    return received.offset < applied.get(_key(received.topic, received.partition), 0)


@dataclass
class Delivery:
    batch: list[Received]
    ends: dict[tuple[str, int], int] = field(default_factory=dict)


class CounterMachine(RuleBasedStateMachine):
    def __init__(self, mongo_url: str) -> None:
        super().__init__()
        self.loop = asyncio.Runner(loop_factory=asyncio.new_event_loop)
        self.database = ServiceDatabase(mongo_url, f"test_sm_{uuid.uuid4().hex[:12]}", app_name="t")
        self.ledger = CrashingLedger(self.database.db)
        self.totals = TotalsRepository(self.database.db)
        db = self.database.db
        totals, history = DocumentLocks(db, "totals"), DocumentLocks(db, "history")
        self.totals.totals = self.crashing_totals = CrashingDocuments(db["totals"], totals)
        self.totals.history = self.crashing_history = CrashingDocuments(db["history"], history)
        self.applier = BatchApplier(self.ledger, self.totals, prefix=PREFIX)
        self.logs: dict[tuple[str, int], list[Received]] = {
            (t, p): [] for t in [*TOPICS, ERASED] for p in range(PARTITIONS)
        }
        self.committed = dict.fromkeys(self.logs, 0)
        self.ledger_view: dict[Supporter, LedgerView] = {}
        self.seen_by_ledger: set[Position] = set()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.loop.run(coroutine)

    def publish(self, event: Event, partition: int) -> None:
        log = self.logs[(PREFIX + event.topic, partition)]
        log.append(Received(event, PREFIX + event.topic, partition, len(log)))

    @rule(
        campaign=st.sampled_from(CAMPAIGNS),
        key=st.sampled_from(KEYS),
        place=st.sampled_from(PLACES),
        partner=st.sampled_from(PARTNERS),
        minute=st.integers(0, 150),
    )
    def sign(
        self,
        campaign: Campaign,
        key: str,
        place: tuple[str, str | None],
        partner: str | None,
        minute: int,
    ) -> None:
        """A signup: a new supporter, or a repeat (maybe from elsewhere: the first one counts)."""
        country, region = place
        event = of_supporter(
            campaign.kind, campaign.id, key, double_opt_in=campaign.double_opt_in,
            occurred_at=START + timedelta(minutes=minute), country=country, region=region,
            partner=partner,
        )  # fmt: skip
        self.publish(event, campaign.partition)

    @rule(
        campaign=st.sampled_from(CAMPAIGNS), key=st.sampled_from(KEYS), minute=st.integers(0, 150)
    )
    def confirm(self, campaign: Campaign, key: str, minute: int) -> None:
        """A confirmation: of a signup already in, of one not in yet, or a second click."""
        event = SignupConfirmed(
            signup_id=uuid.uuid4(),
            occurred_at=START + timedelta(minutes=minute),
            campaign_id=campaign.id,
            supporter_key=key,
        )
        self.publish(event, campaign.partition)

    @rule(
        signups=st.lists(
            st.tuples(st.sampled_from(CAMPAIGNS), st.sampled_from(KEYS)),
            min_size=1,
            max_size=3,
            unique=True,
        ),
        partition=st.integers(0, PARTITIONS - 1),
    )
    def erase(self, signups: list[tuple[Campaign, str]], partition: int) -> None:
        """An erasure touches several campaigns' documents and must change no count."""
        erased = tuple(ErasedSignup(campaign_id=c.id, supporter_key=k) for c, k in signups)
        self.publish(SupporterErased(email="erased@example.org", signups=erased), partition)

    def draw_delivery(self, data: st.DataObject | None, *, everything: bool = False) -> Delivery:
        """A batch from the committed offsets up to some end per partition, partitions interleaved
        in any order (each partition's own order kept, as Kafka does). Without `data`: everything,
        partition after partition."""
        slices: dict[tuple[str, int], list[Received]] = {}
        for tp, log in self.logs.items():
            start = end = self.committed[tp]
            if data is None or everything:
                end = len(log)
            elif start < len(log):
                end = data.draw(st.integers(start, len(log)), label=str(tp))
            if end > start:
                slices[tp] = log[start:end]
        labels = [tp for tp, records in slices.items() for _ in records]
        if data is not None:
            labels = data.draw(st.permutations(labels), label="interleaving")
        order = labels
        pending = {tp: iter(records) for tp, records in slices.items()}
        batch = [next(pending[tp]) for tp in order]
        return Delivery(batch, {tp: self.committed[tp] + len(r) for tp, r in slices.items()})

    def apply(self, delivery: Delivery) -> None:
        """Run the batch; the ledger's view of the rules follows what the ledger kept."""
        self.ledger.unsaved = frozenset()
        try:
            if delivery.batch:
                self.run(self.applier.apply(delivery.batch))
        finally:
            saved_ledger = self.ledger.crash_after is None
            self.ledger.crash_after = None
            self.crashing_history.crash_after = self.crashing_totals.crash_after = None
            if saved_ledger:
                self.see(delivery.batch, unsaved=self.ledger.unsaved)

    def see(self, batch: list[Received], *, unsaved: frozenset[str]) -> None:
        for received in batch:
            event = received.event
            if isinstance(event, Signup | SignupConfirmed):
                supporter = (event.campaign_id, event.supporter_key)
                if f"{event.campaign_id}:{event.supporter_key}" in unsaved:
                    continue
                self.ledger_view.setdefault(supporter, LedgerView()).see(received)
            self.seen_by_ledger.add(_position(received))

    def commit(self, delivery: Delivery) -> None:
        self.committed.update(delivery.ends)

    @rule(data=st.data())
    def deliver(self, data: st.DataObject) -> None:
        delivery = self.draw_delivery(data)
        self.apply(delivery)
        self.commit(delivery)

    @rule(
        data=st.data(),
        at=st.sampled_from(["ledger", "history", "totals"]),
        written=st.integers(0, 4),
    )
    def crash_before_the_totals_are_written(
        self, data: st.DataObject, at: str, written: int
    ) -> None:
        """Dies with `written` of the ledger entries / history / totals documents written (a
        bulk write is not atomic); nothing is committed."""
        delivery = self.draw_delivery(data)
        targets: dict[str, CrashingLedger | CrashingDocuments] = {
            "ledger": self.ledger,
            "history": self.crashing_history,
            "totals": self.crashing_totals,
        }
        targets[at].crash_after = written
        with contextlib.suppress(Crash):
            self.apply(delivery)

    @rule(data=st.data())
    def crash_after_the_totals_before_the_commit(self, data: st.DataObject) -> None:
        self.apply(self.draw_delivery(data))

    @rule(data=st.data())
    def restart(self, data: st.DataObject | None) -> None:
        """A new process: a fresh applier, everything since the committed offsets redelivered."""
        self.applier = BatchApplier(self.ledger, self.totals, prefix=PREFIX)
        delivery = self.draw_delivery(data, everything=True)
        self.apply(delivery)
        self.commit(delivery)

    async def stored(self) -> dict[str, Document]:
        return {d["_id"]: d async for d in self.database.db["totals"].find()}

    def events_of(self, campaign: str) -> list[Received]:
        return [
            r
            for log in self.logs.values()
            for r in log
            if isinstance(r.event, Signup | SignupConfirmed) and r.event.campaign_id == campaign
        ]

    @invariant()
    def totals_count_exactly_what_they_applied(self) -> None:
        """Each totals document holds what its applied events contribute. From the rules alone
        whenever the ledger has seen no more of the campaign than the document applied; after a
        crash between the ledger and the totals writes, a confirmation may be carried by an event
        other than the rules-only model would pick (the ledger saw the signup and the confirmation
        in one order, the redelivery applies them to the totals in another) — so the exact check
        goes through the ledger's view, which the final state must agree with (teardown)."""
        stored = self.run(self.stored())
        for campaign in CAMPAIGNS:
            doc = stored.get(campaign.id)
            applied: dict[str, int] = (doc or {}).get("applied", {})
            assert _stored(doc) == self.ledger_model(campaign.id, applied), (campaign.id, applied)
            events = self.events_of(campaign.id)
            applied_events = [r for r in events if _is_applied(r, applied)]
            ahead = any(
                _position(r) in self.seen_by_ledger and not _is_applied(r, applied) for r in events
            )
            if not ahead:
                assert _stored(doc) == rules_model(applied_events), (campaign.id, applied)

    def ledger_model(self, campaign: str, applied: Mapping[str, int]) -> Totals:
        """The counts of the applied events, each counting what the ledger says it counts."""
        totals = _empty()
        for (campaign_id, _), view in self.ledger_view.items():
            if campaign_id != campaign or view.first is None:
                continue
            assert isinstance(view.first.event, Signup)
            counts = []
            if _is_applied(view.first, applied):
                counts.append("signed")
                if isinstance(view.first.event, VolunteerRegistered):
                    counts.append("volunteers")
            if view.confirmed_by is not None and _is_applied(view.confirmed_by, applied):
                counts.append("confirmed")
            _count(totals, view.first.event, counts)
        return totals

    def teardown(self) -> None:
        try:
            if any(self.committed[tp] < len(log) for tp, log in self.logs.items()):
                self.restart(None)
            stored = self.run(self.stored())
            for campaign in CAMPAIGNS:
                self.check_totals(campaign.id, stored.get(campaign.id))
            self.run(self.check_history(stored))
        finally:
            self.run(self.database.client.drop_database(self.database.db.name))
            self.run(self.database.close())
            self.loop.close()

    def check_totals(self, campaign_id: str, document: Document | None) -> None:
        """The campaign's stored totals are what the rules make of its events."""
        events = self.events_of(campaign_id)
        assert _stored(document) == rules_model(events), campaign_id

    async def check_history(self, stored: dict[str, Document]) -> None:
        """The per-minute history adds up to the totals."""
        sums = {c.id: dict.fromkeys(COUNTS, 0) for c in CAMPAIGNS}
        async for doc in self.database.db["history"].find():
            for minute in doc.get("minutes", {}).values():
                for c in COUNTS:
                    sums[doc["campaign_id"]][c] += minute.get(c, 0)
        for campaign in CAMPAIGNS:
            assert sums[campaign.id] == {
                c: (stored.get(campaign.id) or {}).get(c, 0) for c in COUNTS
            }, campaign.id


EXAMPLES = int(os.environ.get("COUNTER_SM_EXAMPLES", "30"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    stateful_step_count=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
# An example is tens of store commands: ~1 s on a quiet machine, 2-4 s on a busy one (measured:
# 100 examples in 196-342 s, load 20 on 2 cores). Shrinking a failure replays examples too, and
# Hypothesis gives it up to 5 minutes (MAX_SHRINKING_SECONDS), the whole test's pytest timeout:
# a failure found on a busy machine was lost to the timeout, unreported. Shrinking is bounded
# here, so a failure is reported, shrunk as far as the budget went.
SHRINK_BUDGET_S = 60
SUITE_TIMEOUT_S = 300  # pyproject.toml's
# The time an example may take on a busy machine, with room to spare.
EXAMPLE_BUDGET_S = 6


def time_for(examples: int) -> pytest.MarkDecorator:
    """The test's timeout: the suite's, or what a soak's examples (COUNTER_SM_EXAMPLES) need."""
    return pytest.mark.timeout(max(SUITE_TIMEOUT_S, examples * EXAMPLE_BUDGET_S + SHRINK_BUDGET_S))


@pytest.fixture
def bounded_shrinking(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "MAX_SHRINKING_SECONDS", SHRINK_BUDGET_S)


@time_for(EXAMPLES)
@pytest.mark.usefixtures("bounded_shrinking")
def test_counts_survive_crashes_and_redelivery_in_any_order(stack: StackConfig) -> None:
    # Hypothesis takes any factory of machines; its stubs ask for the class.
    factory = lambda: CounterMachine(stack.mongo_url)  # noqa: E731
    run_state_machine_as_test(factory, settings=SETTINGS)  # type: ignore[arg-type]
