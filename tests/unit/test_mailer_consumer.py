"""mailer-consumer's handlers against in-memory fakes of its repositories, its task queue and the
campaign titles (tests/unit/mailer_fakes.py): the EFFECTS table's order, signup emails,
suppressions, erasure, mailing plans and the stalled-batch sweep. Against FerretDB, Redis and
Celery: tests/integration/test_mailer_signups.py, test_mailer_plans.py, test_erasure_order.py."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from devstack.harness.events import as_batch, mailing_requested, signed
from mailer.schemas.specs import CONFIRMATION, WELCOME
from mailer.settings import ConsumerSettings, WorkerSettings
from mobilise_events import (
    Event,
    MailingRequested,
    SignupConfirmed,
    SupporterErased,
    SupporterUnsubscribed,
    VolunteerRegistered,
)
from mobilise_runtime.link_tokens import ConfirmClaim
from tests.erasure_timeline import EMAIL, ERASED_AT, T1, T3, erasure
from tests.unit.mailer_fakes import TOKENS, mailer


def mailing(**audience: Any) -> MailingRequested:
    return mailing_requested("c-1", **audience)


def first_names(specs: list[dict[str, Any]]) -> list[list[str]]:
    return [[r["first_name"] for r in s["recipients"]] for s in specs]


async def test_a_batch_applies_the_table_in_order_and_queues_the_tasks_after_the_writes() -> None:
    m = mailer()
    unsubscribed = SupporterUnsubscribed(email="binta@example.org", campaign_id="c-1")
    confirmed = SignupConfirmed(signup_id=uuid.uuid4(), campaign_id="c-1", supporter_key="k-x")
    # Read in no particular order: the table sets the order of the effects.
    events: tuple[Event, ...] = (
        mailing(),
        unsubscribed,
        confirmed,
        signed(occurred_at=T3),
        erasure(),
    )
    await m.consumer.handle(as_batch(*events))
    assert m.journal.steps == [
        "erase []",
        "record_signups 1",
        "forget 0",
        "record_emails 1",
        "record_confirmations 1",
        "suppress 1",
        "fix_plan",
        "add_batches 1",
        "enqueue 1",  # the mailing's one batch, queued as soon as it is written
        "enqueue 1",  # the welcome email
    ]


async def test_a_signup_without_double_opt_in_gets_its_welcome() -> None:
    m = mailer()
    await m.consumer.handle(as_batch(signed(occurred_at=T1)))
    [spec] = m.tasks.queued
    assert spec["kind"] == WELCOME
    assert spec["batch_id"] == f"{WELCOME}:c-1:k-awa"
    assert spec["campaign_title"]["fr"] == "women-in-tech (fr)"
    [person] = spec["recipients"]
    assert (person["email"], person["email_hash"]) == (EMAIL, m.hash(EMAIL))
    assert m.audience.recipients_by_id["c-1:k-awa"]["confirmed_at"] == T1
    assert f"{WELCOME}:c-1:k-awa" in m.mailings.batches  # recorded before it is queued


async def test_a_double_opt_in_signup_gets_its_confirmation_with_a_link_minted_here() -> None:
    m = mailer()
    event = signed(double_opt_in=True)  # schema version 2: the event carries no links
    await m.consumer.handle(as_batch(event))
    [spec] = m.tasks.queued
    assert spec["kind"] == CONFIRMATION
    [person] = spec["recipients"]
    confirm = TOKENS.read_confirm(person["confirm_token"])
    assert confirm == ConfirmClaim(event.signup_id, "c-1", "k-awa")
    recipient = m.audience.recipients_by_id["c-1:k-awa"]
    assert "confirmed_at" not in recipient
    # Kept with the recipient: a rebuilt confirmation carries the same link.
    assert recipient["confirm_token"] == person["confirm_token"]
    # The unsubscribe link is the worker's, minted as it sends: neither kept nor queued.
    assert "unsubscribe_token" not in person
    assert "unsubscribe_token" not in recipient


async def test_a_welcome_carries_no_link_the_worker_mints_its_unsubscribe_link() -> None:
    m = mailer()
    await m.consumer.handle(as_batch(signed()))
    [person] = m.tasks.queued[0]["recipients"]
    assert "unsubscribe_token" not in person
    assert "confirm_token" not in person  # None, its default, is not queued


async def test_a_signup_of_schema_version_1_is_mailed_the_confirm_link_it_carries() -> None:
    """Minted by the signup service before version 2; such events may still be in the topics.
    Its unsubscribe link is minted by the worker like any other, of the same claims."""
    m = mailer()
    old = signed(schema_version=1, double_opt_in=True, confirm_token="ct", unsubscribe_token="ut")
    await m.consumer.handle(as_batch(old))
    [spec] = m.tasks.queued
    assert spec["kind"] == CONFIRMATION
    [person] = spec["recipients"]
    assert person["confirm_token"] == "ct"
    assert "unsubscribe_token" not in person
    assert m.audience.recipients_by_id["c-1:k-awa"]["confirm_token"] == "ct"


async def test_a_person_signing_twice_in_a_batch_gets_one_email_the_last_signups() -> None:
    m = mailer()
    twice: tuple[Event, ...] = (
        signed(first_name="Old", occurred_at=T1),
        signed(first_name="New", occurred_at=T3),
    )
    await m.consumer.handle(as_batch(*twice))
    assert first_names(m.tasks.queued) == [["New"]]


async def test_a_signup_older_than_its_persons_erasure_writes_nothing_and_sends_nothing() -> None:
    m = mailer()
    await m.consumer.handle(as_batch(erasure()))
    await m.consumer.handle(as_batch(signed(occurred_at=T1)))
    assert m.audience.recipients_by_id == {}
    assert m.tasks.queued == []


async def test_a_signup_after_the_erasure_is_a_new_consent() -> None:
    m = mailer()
    await m.consumer.handle(as_batch(signed(first_name="Old", occurred_at=T1)))
    # The erasure (its own topic) read in the same batch as the later signup.
    await m.consumer.handle(as_batch(signed(first_name="New", occurred_at=T3), erasure()))
    assert m.audience.recipients_by_id["c-1:k-awa"]["first_name"] == "New"
    assert first_names(m.tasks.queued) == [["Old"], ["New"]]
    # A signup dropped in its batch: the erasure first, then the older one.
    m = mailer()
    await m.consumer.handle(as_batch(signed(first_name="Old", occurred_at=T1), erasure()))
    assert m.audience.recipients_by_id == {}
    assert m.tasks.queued == []


async def test_an_erasure_applied_meanwhile_elsewhere_takes_the_signup_back_unsent() -> None:
    m = mailer()
    m.audience.erased_meanwhile = (m.hash(EMAIL), ERASED_AT)
    await m.consumer.handle(as_batch(signed(occurred_at=T1)))
    assert m.audience.recipients_by_id == {}
    assert m.tasks.queued == []


async def test_an_erasure_names_its_signups_and_leaves_its_tombstone() -> None:
    m = mailer()
    await m.consumer.handle(as_batch(erasure("k-awa", "k-other")))
    assert m.journal.steps[0] == "erase ['k-awa', 'k-other']"
    assert m.audience.tombstones == {m.hash(EMAIL): ERASED_AT}


async def test_unsubscribes_suppress_the_address_for_a_campaign_or_for_all() -> None:
    m = mailer()
    await m.consumer.handle(
        as_batch(
            SupporterUnsubscribed(email=EMAIL, campaign_id="c-1", source="link"),
            SupporterUnsubscribed(email="Binta@Example.org", source="webhook", reason="bounce"),
        )
    )
    by_scope = {s["scope"]: s for s in m.audience.suppressions.values()}
    assert by_scope["c-1"]["email_hash"] == m.hash(EMAIL)
    assert by_scope["c-1"]["reason"] == "unsubscribe"
    assert by_scope["*"]["email_hash"] == m.hash("binta@example.org")
    assert (by_scope["*"]["reason"], by_scope["*"]["source"]) == ("bounce", "webhook")
    assert m.tasks.queued == []


async def test_anonymised_campaigns_signups_and_confirmations_have_no_effect() -> None:
    m = mailer()
    m.audience.anonymised.add("c-1")
    confirmed = SignupConfirmed(signup_id=uuid.uuid4(), campaign_id="c-1", supporter_key="k")
    await m.consumer.handle(as_batch(signed(), confirmed))
    assert m.journal.steps == ["enqueue 0"]


def three_signed(m: Any) -> list[Any]:
    return [
        signed(supporter_key=f"k-{n}", first_name=n, email=f"{n.lower()}@example.org")
        for n in ("Awa", "Binta", "Chloe")
    ]


async def test_a_mailing_is_planned_once_in_batches_leaving_the_suppressed_out() -> None:
    m = mailer()
    await m.consumer.handle(as_batch(*three_signed(m)))
    await m.consumer.handle(as_batch(SupporterUnsubscribed(email="binta@example.org")))
    m.tasks.queued.clear()
    requested = mailing()
    await m.consumer.handle(as_batch(requested))
    assert first_names(m.tasks.queued) == [["Awa", "Chloe"]]  # batches of two at most
    [spec] = m.tasks.queued
    assert (spec["kind"], spec["mailing_id"]) == ("newsletter", str(requested.mailing_id))
    assert spec["subject"]["en"] == "News"
    assert m.mailings.mailings[str(requested.mailing_id)]["suppressed"] == 1
    # Read again (a redelivery): the same plan's unfinished batches, not a new plan.
    await m.consumer.handle(as_batch(requested))
    assert m.mailings.plans == 1
    assert len(m.tasks.queued) == 2
    assert m.tasks.queued[0] == m.tasks.queued[1]


async def test_a_planned_recipient_erased_since_is_left_out_of_the_task() -> None:
    m = mailer()
    await m.consumer.handle(as_batch(*three_signed(m)))
    requested = mailing()
    await m.consumer.handle(as_batch(requested))
    await m.consumer.handle(
        as_batch(SupporterErased(email="awa@example.org", occurred_at=datetime.now(UTC)))
    )
    m.tasks.queued.clear()
    await m.consumer.handle(as_batch(requested))
    assert first_names(m.tasks.queued) == [["Binta"], ["Chloe"]]


async def test_the_sweep_queues_stalled_batches_again_once_per_wait() -> None:
    m = mailer()
    await m.consumer.handle(as_batch(*three_signed(m), mailing()))
    welcome = m.mailings.batches[f"{WELCOME}:c-1:k-Binta"]
    newsletters = [b for b in m.mailings.batches.values() if b["kind"] == "newsletter"]
    lost_plan = {**newsletters[0], "_id": "lost", "plan": "an attempt that lost"}
    m.mailings.stalled = [*newsletters, lost_plan, welcome]
    m.tasks.queued.clear()
    await m.consumer.stalled.requeue()
    assert sorted(s["batch_id"] for s in m.tasks.queued) == sorted(
        [*(b["_id"] for b in newsletters), welcome["_id"]]
    )
    assert first_names([s for s in m.tasks.queued if s["kind"] == WELCOME]) == [["Binta"]]
    m.tasks.queued.clear()
    await m.consumer.stalled.requeue()  # within requeue_after_s: left alone
    assert m.tasks.queued == []


async def test_a_stalled_email_of_someone_erased_since_is_queued_to_send_nothing() -> None:
    m = mailer()
    await m.consumer.handle(as_batch(signed(VolunteerRegistered, occurred_at=T1)))
    m.mailings.stalled = [m.mailings.batches[f"{WELCOME}:c-1:k-awa"]]
    await m.consumer.handle(as_batch(erasure("k-awa")))
    m.tasks.queued.clear()
    await m.consumer.stalled.requeue()
    [spec] = m.tasks.queued
    assert spec["batch_id"] == f"{WELCOME}:c-1:k-awa"
    assert spec["recipients"] == []


async def test_a_failed_sweep_is_logged_and_the_next_one_runs_until_stopped() -> None:
    m = mailer()
    stop = asyncio.Event()
    sweeps: list[datetime] = []

    async def stalled_batches(untouched_since: datetime) -> list[dict[str, Any]]:
        sweeps.append(untouched_since)
        if len(sweeps) == 1:
            raise ConnectionError("the database went away")
        stop.set()
        return []

    m.mailings.stalled_batches = stalled_batches  # type: ignore[method-assign]
    await asyncio.wait_for(m.consumer.stalled.sweep(0.01, stop), timeout=5)
    assert len(sweeps) == 2


async def test_a_plan_cut_off_midway_is_completed_when_read_again_each_person_once() -> None:
    m = mailer()
    people = [
        signed(supporter_key=f"k-{n}", first_name=f"P{n}", email=f"p{n}@example.org")
        for n in range(5)
    ]
    await m.consumer.handle(as_batch(*people))
    m.tasks.queued.clear()
    requested = mailing()
    enqueue = m.tasks.enqueue
    calls = 0

    async def crashing(tasks: Any) -> None:  # the consumer dies after its first batch's task
        nonlocal calls
        calls += 1
        if calls > 1:
            raise ConnectionError("killed")
        await enqueue(tasks)

    m.tasks.enqueue = crashing  # type: ignore[method-assign]
    with pytest.raises(ConnectionError):
        await m.consumer.handle(as_batch(requested))
    fixed = m.mailings.mailings[str(requested.mailing_id)]
    assert "planned_at" not in fixed  # the plan is not whole yet
    m.tasks.enqueue = enqueue  # type: ignore[method-assign]
    await m.consumer.handle(as_batch(requested))  # the event read again
    plan = [b for b in m.mailings.batches.values() if b.get("plan") == fixed["plan"]]
    keys = [k for b in plan for k in b["supporter_keys"]]
    assert sorted(keys) == [f"k-{n}" for n in range(5)]  # everyone, once
    assert (fixed["planned"], m.mailings.plans) == (5, 1)  # one plan, completed
    queued = sorted(t["batch_id"] for t in m.tasks.queued)
    assert queued == sorted([*(b["_id"] for b in plan), plan[0]["_id"]])  # the first again too


@pytest.mark.parametrize(
    ("process", "other_key"),
    [(ConsumerSettings, "MAILER_EMAIL_HASH_KEY"), (WorkerSettings, "MAILER_SENDGRID_API_KEY")],
)
def test_the_consumer_and_the_worker_do_not_start_without_the_link_keys(
    monkeypatch: pytest.MonkeyPatch,
    process: type[ConsumerSettings] | type[WorkerSettings],
    other_key: str,
) -> None:
    """They mint the links (MAILER_TOKEN_KEYS = SIGNUP_TOKEN_KEYS): the consumer the confirm
    link of every confirmation, the worker the unsubscribe link of every email it sends."""
    monkeypatch.setenv(other_key, "another key")
    monkeypatch.delenv("MAILER_TOKEN_KEYS", raising=False)
    with pytest.raises(ValidationError, match="token_keys"):
        process()
    monkeypatch.setenv("MAILER_TOKEN_KEYS", "k")
    assert process().token_keys.get_secret_value() == "k"
