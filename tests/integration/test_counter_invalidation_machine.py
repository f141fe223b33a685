"""The counter's state machine (test_counter_state_machine.py) with invalidations and their
reverts in the logs: crashed anywhere, redelivered in any interleaving, the totals always hold
what the ledger says the applied events count (counter-reconcile finds no drift at any step), and
in the end what the rules say: every supporter counted once, except those an invalidation not
reverted holds out; the history adds up to the totals."""

from __future__ import annotations

import os
import uuid

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule, run_state_machine_as_test

from counter.domain.entries import Entry
from counter.domain.recount import recount, stored
from devstack.config import StackConfig
from mobilise_events import Signup, SignupConfirmed, SignupsInvalidated
from mobilise_runtime.kafka import Received
from mobilise_runtime.mongo import Document
from tests.integration.test_counter_state_machine import (
    CAMPAIGNS,
    KEYS,
    PARTITIONS,
    PREFIX,
    SETTINGS,
    Campaign,
    CounterMachine,
    bounded_shrinking,  # noqa: F401 (a fixture: found by name)
    rules_model,
    time_for,
)

INVALIDATED = PREFIX + SignupsInvalidated.topic
# Its invariant reads the whole ledger at every step: fewer examples than the plain machine's.
EXAMPLES = int(os.environ.get("COUNTER_SM_EXAMPLES", "12"))
FEWER = settings(SETTINGS, max_examples=EXAMPLES)


def held_out(events: list[Received]) -> set[str]:
    """The supporter keys invalidations hold out once all of them are applied, in log order."""
    by: dict[str, uuid.UUID] = {}
    for r in sorted(events, key=lambda r: r.offset):
        e = r.event
        assert isinstance(e, SignupsInvalidated)
        for key in e.supporter_keys:
            if e.action == "invalidate":
                by.setdefault(key, e.invalidation_id)
            elif by.get(key) == e.invalidation_id:
                del by[key]
    return set(by)


class InvalidatingMachine(CounterMachine):
    def __init__(self, mongo_url: str) -> None:
        super().__init__(mongo_url)
        for p in range(PARTITIONS):
            self.logs[(INVALIDATED, p)] = []
            self.committed[(INVALIDATED, p)] = 0
        self.invalidations: list[SignupsInvalidated] = []

    @rule(
        campaign=st.sampled_from(CAMPAIGNS),
        keys=st.lists(st.sampled_from(KEYS), min_size=1, max_size=3, unique=True),
    )
    def invalidate(self, campaign: Campaign, keys: list[str]) -> None:
        """Signups taken out: counted ones, ones still in flight, ones held out already."""
        event = SignupsInvalidated(
            invalidation_id=uuid.uuid4(), campaign_id=campaign.id, supporter_keys=tuple(keys)
        )
        self.invalidations.append(event)
        self.publish(event, campaign.partition)

    @rule(data=st.data())
    def revert(self, data: st.DataObject) -> None:
        """A revert of any invalidation, maybe a second time."""
        if not self.invalidations:
            return
        done = data.draw(st.sampled_from(self.invalidations), label="reverted")
        partition = next(c.partition for c in CAMPAIGNS if c.id == done.campaign_id)
        self.publish(done.model_copy(update={"action": "revert"}), partition)

    @invariant()
    def totals_count_exactly_what_they_applied(self) -> None:
        """What counter-reconcile checks: the ledger's entries, recounted up to the offsets the
        totals document applied, are its counts (the ledger is written first, the totals last)."""
        documents = self.run(self.stored())
        entries = self.run(self._entries())
        for campaign in CAMPAIGNS:
            doc = documents.get(campaign.id)
            applied = (doc or {}).get("applied", {})
            mine = [e for e in entries if e.campaign_id == campaign.id]
            assert stored(doc) == recount(mine, applied), (campaign.id, applied)

    async def _entries(self) -> list[Entry]:
        # One read of the whole ledger a step (what LedgerRepository.load does for partitions).
        loaded = await self.ledger.load(range(PARTITIONS))
        return [e for entries in loaded.values() for e in entries.values()]

    def check_totals(self, campaign_id: str, document: Document | None) -> None:
        mine = [r for log in self.logs.values() for r in log if _of(r, campaign_id)]
        out = held_out([r for r in mine if isinstance(r.event, SignupsInvalidated)])
        counted = [
            r
            for r in mine
            if isinstance(r.event, Signup | SignupConfirmed) and r.event.supporter_key not in out
        ]
        # An invalidated cell stays in the document at zero: compared without zeros.
        assert stored(document) == stored(rules_model(counted)), campaign_id


def _of(received: Received, campaign_id: str) -> bool:
    return getattr(received.event, "campaign_id", None) == campaign_id


@time_for(EXAMPLES)
@pytest.mark.usefixtures("bounded_shrinking")
def test_invalidations_count_once_through_crashes_and_redelivery(stack: StackConfig) -> None:
    factory = lambda: InvalidatingMachine(stack.mongo_url)  # noqa: E731
    run_state_machine_as_test(factory, settings=FEWER)  # type: ignore[arg-type]
