"""BatchApplier's own logic against the in-memory stores of tests/counter_stores.py: each
supporter counted once per campaign and dimension, a redelivered batch counting nothing again,
the history's minute buckets, erasures, and what a batch does when another writer was first or a
write fails. The partition assignment's order: test_counter_assignment.py; against FerretDB:
tests/integration/test_counter_writers.py and test_counter_state_machine.py."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from counter.application.apply import ATTEMPTS
from counter.repository.totals import Change, StaleWriter
from devstack.harness.events import as_batch, signed
from mobilise_events import (
    ErasedSignup,
    Event,
    MailingRequested,
    PledgeSigned,
    SignupConfirmed,
    SupporterErased,
    VolunteerRegistered,
)
from mobilise_runtime.kafka import Received
from tests.counter_stores import MemoryDocuments, MemoryLedger, MemoryTotals, memory_applier

PREFIX = "u."
AT = datetime(2026, 3, 1, 9, 41, tzinfo=UTC)


def pledge(key: str, **fields: Any) -> PledgeSigned:
    values: dict[str, Any] = {"supporter_key": key, "region": "FR-IDF", "occurred_at": AT, **fields}
    return signed(PledgeSigned, double_opt_in=True, **values)


def confirm(key: str) -> SignupConfirmed:
    return SignupConfirmed(signup_id=uuid.uuid4(), campaign_id="c-1", supporter_key=key)


def batch(*events: Event, partition: int = 0) -> list[Received]:
    return as_batch(*events, prefix=PREFIX, partition=partition)


class Failing(MemoryDocuments):
    """Totals whose next `fails` writes raise `error` before writing anything."""

    def __init__(self, error: Exception, fails: int) -> None:
        super().__init__()
        self.error, self.fails = error, fails

    async def write(self, changes: Mapping[str, Change]) -> None:
        if self.fails:
            self.fails -= 1
            raise self.error
        await super().write(changes)


def stores(totals_fail: Failing | None = None) -> tuple[MemoryLedger, MemoryTotals]:
    totals = MemoryTotals()
    if totals_fail is not None:
        totals.totals = totals_fail
    return MemoryLedger(), totals


async def test_each_supporter_counts_once_in_every_dimension_and_the_slug_is_kept() -> None:
    ledger, totals = stores()
    applier = memory_applier(ledger, totals, prefix=PREFIX)
    await applier.apply(batch(pledge("k-1"), pledge("k-1"), pledge("k-2", partner="p")))
    doc = totals.totals.docs["c-1"]
    assert totals.counts("c-1") == (2, 0)
    assert doc["by_country.FR.signed"] == 2
    assert doc["by_region.FR-IDF.signed"] == 2
    assert doc["by_macro_region.Europe.signed"] == 2
    assert doc["by_partner.p.signed"] == 1
    assert doc["slug"] == "women-in-tech"
    assert doc["applied"] == {"pledge_signed_v1_0": 3}


async def test_a_confirmation_counts_once_even_when_it_comes_first() -> None:
    ledger, totals = stores()
    applier = memory_applier(ledger, totals, prefix=PREFIX)
    await applier.apply(batch(confirm("k-1"), confirm("k-1")))
    assert totals.counts("c-1") == (0, 0)
    await applier.apply(batch(pledge("k-1")))
    assert totals.counts("c-1") == (1, 1)


async def test_volunteers_count_as_signed_and_as_volunteers() -> None:
    ledger, totals = stores()
    applier = memory_applier(ledger, totals, prefix=PREFIX)
    await applier.apply(batch(signed(VolunteerRegistered, supporter_key="k-v")))
    doc = totals.totals.docs["c-1"]
    assert (doc["signed"], doc["volunteers"]) == (1, 1)


async def test_a_redelivered_batch_counts_nothing_again_even_in_a_new_process() -> None:
    ledger, totals = stores()
    first = batch(pledge("k-1"), confirm("k-1"), pledge("k-2"))
    await memory_applier(ledger, totals, prefix=PREFIX).apply(first)
    await memory_applier(ledger, totals, prefix=PREFIX).apply(first)  # after a crash
    assert totals.counts("c-1") == (2, 1)
    assert totals.totals.docs["c-1"]["version"] == 1  # the replay wrote nothing


async def test_history_counts_each_minute_of_each_hour() -> None:
    ledger, totals = stores()
    applier = memory_applier(ledger, totals, prefix=PREFIX)
    await applier.apply(batch(pledge("k-1"), pledge("k-2"), pledge("k-2")))
    hour = totals.history.docs["c-1:2026-03-01T09"]
    assert hour["minutes.41.signed"] == 2
    assert (hour["campaign_id"], hour["hour"]) == ("c-1", datetime(2026, 3, 1, 9, tzinfo=UTC))


async def test_events_that_count_nothing_write_nothing() -> None:
    ledger, totals = stores()
    applier = memory_applier(ledger, totals, prefix=PREFIX)
    mailing = MailingRequested.model_validate(
        {
            "mailing_id": uuid.uuid4(),
            "campaign_id": "c-1",
            "subject": {"fr": "s", "en": "s"},
            "body_template": {"fr": "b", "en": "b"},
            "audience": {},
        }
    )
    await applier.apply(batch(mailing))
    assert totals.totals.docs == {}
    assert ledger.facts == {}


async def test_an_erasure_marks_its_signups_and_what_was_counted_stays() -> None:
    ledger, totals = stores()
    applier = memory_applier(ledger, totals, prefix=PREFIX)
    await applier.apply(batch(pledge("k-1")))
    erased = SupporterErased(
        email="awa@example.org", signups=(ErasedSignup(campaign_id="c-1", supporter_key="k-1"),)
    )
    await applier.apply(batch(erased, partition=1))
    assert "c-1:k-1/erased" in ledger.facts
    assert totals.counts("c-1") == (1, 0)


async def test_another_writer_first_the_batch_is_read_again_and_applied_once() -> None:
    ledger, totals = stores(Failing(StaleWriter("moved"), fails=1))
    applier = memory_applier(ledger, totals, prefix=PREFIX)
    await applier.apply(batch(pledge("k-1"), confirm("k-1")))
    assert applier.reapplied == 1
    assert totals.counts("c-1") == (1, 1)


async def test_another_writer_first_every_time_the_process_fails() -> None:
    ledger, totals = stores(Failing(StaleWriter("moved"), fails=ATTEMPTS))
    applier = memory_applier(ledger, totals, prefix=PREFIX)
    with pytest.raises(StaleWriter):
        await applier.apply(batch(pledge("k-1")))
    assert applier.reapplied == ATTEMPTS - 1
    assert totals.totals.docs == {}


async def test_after_a_failed_write_the_redelivery_counts_from_what_is_stored() -> None:
    """The ledger was written, the totals were not: memory is dropped, and the redelivered batch
    reads the ledger again and still counts each supporter once."""
    ledger, totals = stores(Failing(OSError("connection reset"), fails=1))
    applier = memory_applier(ledger, totals, prefix=PREFIX)
    first = batch(pledge("k-1"), pledge("k-2"))
    with pytest.raises(OSError, match="connection reset"):
        await applier.apply(first)
    assert totals.totals.docs == {}
    await applier.apply(first)
    assert applier.reapplied == 0
    assert totals.counts("c-1") == (2, 0)
