"""mailer.application.delivery against small typed fakes of its adapters (the send records —
batches, claims, send turns, dead letters —, the suppressions, SendGrid): a batch is sent once,
whatever runs its task twice; an outcome it cannot know is given up, never resent; a payload that is
not a task is dead-lettered with its reason; a task queued by the previous version (today's dict) is
sent once; the unsubscribe links are minted here, as each email is sent."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import pytest
from cryptography.fernet import Fernet

from mailer.adapters.sendgrid import RateLimited, Refused, Unavailable
from mailer.application.delivery import Delivery, MailClient, Retry, SendRecords
from mailer.presentation.messages import Sender
from mailer.repository import FAILED, QUEUED, RETRYING, SENDING, SENT, UNKNOWN
from mailer.schemas.specs import (
    NewsletterTask,
    SignupEmailTask,
    TaskRecipient,
    email_task,
    read_task,
    task_payload,
)
from mailer.settings import Settings
from mobilise_events import LocalisedText
from mobilise_runtime.link_tokens import Tokens, UnsubscribeClaim
from mobilise_runtime.mongo import Document

TIMEOUT_S = 5.0  # SendGrid's: a turn taken more than twice this long ago has gone quiet
TITLE = LocalisedText(fr="Égalité", en="Equality")
# The signup service's link keys, as the worker holds them (MAILER_TOKEN_KEYS).
TOKENS = Tokens(Fernet.generate_key().decode(), confirm_max_age_s=86_400)
Task = SignupEmailTask | NewsletterTask


@dataclass
class FakeRecords:
    """SendingStore in memory: batches, (supporter, message) claims, send turns, dead letters,
    and the suppressed email hashes."""

    batches: dict[str, Document] = field(default_factory=dict)
    claims: dict[str, str] = field(default_factory=dict)  # {message}:{key} → batch id
    turns: dict[str, datetime] = field(default_factory=dict)  # {batch id}:{turn} → taken at
    dead: dict[str, Document] = field(default_factory=dict)
    suppressed: set[str] = field(default_factory=set)

    def batch(self, task: Task) -> Document:
        return self.batches.setdefault(
            task.batch_id,
            {"_id": task.batch_id, "kind": task.kind, "campaign_id": task.campaign_id,
             "size": len(task.recipients), "state": QUEUED},
        )  # fmt: skip

    def existing_batch(self, batch_id: str) -> Document | None:
        return self.batches.get(batch_id)

    def blocked(self, campaign_id: str, recipients: Sequence[TaskRecipient]) -> set[str]:
        return {r.email_hash for r in recipients if r.email_hash in self.suppressed}

    def claim(
        self, message: str, batch_id: str, campaign_id: str, supporter_keys: Sequence[str]
    ) -> list[str]:
        held = []
        for key in supporter_keys:
            if self.claims.setdefault(f"{message}:{key}", batch_id) == batch_id:
                held.append(key)
        return held

    def start_sending(self, batch_id: str, campaign_id: str, turn: int, attempt: int) -> bool:
        if f"{batch_id}:{turn}" in self.turns:
            return False
        self.turns[f"{batch_id}:{turn}"] = datetime.now(UTC)
        return True

    def turn_taken_at(self, batch_id: str, turn: int) -> datetime | None:
        return self.turns.get(f"{batch_id}:{turn}")

    def set_state(self, batch_id: str, state: str, **fields: Any) -> None:
        self.batches[batch_id] |= {"state": state, "updated_at": datetime.now(UTC), **fields}

    def dead_letter(self, batch: Document, keys: list[str], reason: str, attempts: int) -> None:
        self.dead[batch["_id"]] = {"supporter_keys": keys, "reason": reason, "attempts": attempts}


@dataclass
class FakeSendGrid:
    """Answers each request with the next outcome given (a message id, or an error to raise),
    then with ids; `during` runs inside a request (another worker, meanwhile)."""

    outcomes: list[str | Exception] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    during: Callable[[], object] | None = None

    def send(self, body: dict[str, Any]) -> str:
        self.requests.append(body)
        if self.during is not None:
            during, self.during = self.during, None
            during()
        outcome = self.outcomes.pop(0) if self.outcomes else f"msg-{len(self.requests)}"
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def mailed(self) -> list[str]:
        return [to["email"] for b in self.requests for p in b["personalizations"] for to in p["to"]]


def delivery(records: SendRecords, sendgrid: MailClient, **settings: Any) -> Delivery:
    config = Settings(sendgrid_api_key="dev", sendgrid_timeout_s=TIMEOUT_S, **settings)
    return Delivery(records, sendgrid, Sender.from_settings(config), config, TOKENS)


def source(n: int, **fields: Any) -> Document:
    return {
        "email": f"p{n}@example.org",
        "first_name": f"P{n}",
        "locale": "fr",
        "supporter_key": f"key-{n}",
        "email_hash": f"hash-{n}",
        "signed_at": datetime(2026, 11, 1, tzinfo=UTC),
        "signup_id": f"s-{n}",
        **fields,
    }


def welcome(n: int = 1) -> SignupEmailTask:
    return email_task("welcome", "c-1", f"key-{n}", TITLE, source(n))


def newsletter(*people: int, body: str = "Bonjour {{ first_name }}") -> NewsletterTask:
    text = LocalisedText(fr=body, en=body)
    return NewsletterTask(
        kind="newsletter", batch_id="m-1:p:0", campaign_id="c-1", mailing_id="m-1",
        campaign_title=TITLE, subject=LocalisedText(fr="Nouvelles", en="News"),
        body_template=text, recipients=tuple(read_task_recipient(source(n)) for n in people),
    )  # fmt: skip


def read_task_recipient(doc: Document) -> TaskRecipient:
    return TaskRecipient.model_validate(doc)


def test_a_welcome_is_sent_once_and_its_redelivery_sends_nothing() -> None:
    records, sendgrid = FakeRecords(), FakeSendGrid()
    worker = delivery(records, sendgrid)
    task = welcome()
    assert worker.run(task, attempt=1) is None
    assert worker.receive(task_payload(task), attempt=1) is None  # Redis gives it again
    assert sendgrid.mailed() == ["p1@example.org"]
    batch = records.batches[task.batch_id]
    assert (batch["state"], batch["sent"], batch["message_id"]) == (SENT, 1, "msg-1")
    assert list(records.turns) == [f"{task.batch_id}:0"]


def test_a_run_of_the_same_task_meanwhile_leaves_the_send_to_the_run_that_took_the_turn() -> None:
    records = FakeRecords()
    sendgrid = FakeSendGrid()
    worker = delivery(records, sendgrid)
    task = welcome()
    # The stalled-batch sweep queued it again: a second run starts while the first's request
    # is on its way; it finds the turn taken just now and leaves it alone.
    sendgrid.during = lambda: worker.run(task, attempt=1)
    assert worker.run(task, attempt=1) is None
    assert sendgrid.mailed() == ["p1@example.org"]
    assert records.batches[task.batch_id]["state"] == SENT
    assert records.dead == {}


def test_a_turn_taken_by_a_run_gone_quiet_is_given_up_as_unknown_not_resent() -> None:
    records, sendgrid = FakeRecords(), FakeSendGrid()
    task = welcome()
    records.batch(task)
    records.turns[f"{task.batch_id}:0"] = datetime.now(UTC) - timedelta(seconds=2 * TIMEOUT_S + 1)
    assert delivery(records, sendgrid).run(task, attempt=2) is None
    assert sendgrid.requests == []
    assert records.batches[task.batch_id]["state"] == UNKNOWN
    assert records.dead[task.batch_id]["reason"].startswith("outcome unknown")
    assert records.dead[task.batch_id]["supporter_keys"] == ["key-1"]


@pytest.mark.parametrize(("quiet_s", "state"), [(2 * TIMEOUT_S + 1, UNKNOWN), (0, SENDING)])
def test_a_batch_an_older_worker_marked_sending_is_unknown_once_quiet(
    quiet_s: float, state: str
) -> None:
    records, sendgrid = FakeRecords(), FakeSendGrid()
    task = welcome()
    records.batch(task).update(
        state=SENDING, updated_at=datetime.now(UTC) - timedelta(seconds=quiet_s)
    )
    assert delivery(records, sendgrid).run(task, attempt=1) is None
    assert sendgrid.requests == []
    assert records.batches[task.batch_id]["state"] == state


def test_an_answer_lost_after_the_request_left_is_unknown_and_never_retried() -> None:
    records = FakeRecords()
    sendgrid = FakeSendGrid([Unavailable("no answer from SendGrid", maybe_sent=True)])
    task = welcome()
    assert delivery(records, sendgrid).run(task, attempt=1) is None
    assert len(sendgrid.requests) == 1
    batch = records.batches[task.batch_id]
    assert (batch["state"], batch["sent"], batch["failed"]) == (UNKNOWN, 0, 1)
    assert "outcome unknown" in records.dead[task.batch_id]["reason"]


def test_a_request_known_not_taken_is_retried_in_the_batch_next_turn() -> None:
    records = FakeRecords()
    sendgrid = FakeSendGrid([Unavailable("SendGrid unreachable", maybe_sent=False)])
    worker = delivery(records, sendgrid, send_retry_base_s=1, send_retry_max_s=1)
    task = welcome()
    retry = worker.run(task, attempt=1)
    assert isinstance(retry, Retry)
    assert 0 <= retry.delay_s <= 1
    batch = records.batches[task.batch_id]
    assert (batch["state"], batch["turn"]) == (RETRYING, 1)
    assert worker.run(task, attempt=2) is None
    assert records.batches[task.batch_id]["state"] == SENT
    assert sendgrid.mailed() == ["p1@example.org", "p1@example.org"]  # the first never arrived
    assert sorted(records.turns) == [f"{task.batch_id}:0", f"{task.batch_id}:1"]


def test_a_rate_limit_is_waited_out() -> None:
    records, sendgrid = FakeRecords(), FakeSendGrid([RateLimited(30.0)])
    retry = delivery(records, sendgrid).run(welcome(), attempt=1)
    assert isinstance(retry, Retry)
    assert retry.delay_s >= 30.0


def test_a_refused_request_and_the_last_attempt_are_given_up_as_failed() -> None:
    refused = FakeRecords()
    errors = [{"message": "bad from", "field": "from", "help": None}]
    delivery(refused, FakeSendGrid([Refused(400, errors)])).run(welcome(1), attempt=1)
    assert refused.batches[welcome(1).batch_id]["state"] == FAILED
    assert "refused" in refused.dead[welcome(1).batch_id]["reason"]

    tired = FakeRecords()
    down = FakeSendGrid([Unavailable("SendGrid answered 503", maybe_sent=False)])
    assert delivery(tired, down, send_max_attempts=3).run(welcome(2), attempt=3) is None
    assert tired.batches[welcome(2).batch_id]["state"] == FAILED
    assert tired.dead[welcome(2).batch_id]["reason"].startswith("gave up after 3 attempts")


def test_suppressed_and_already_mailed_people_are_left_out_and_counted_suppressed() -> None:
    records, sendgrid = FakeRecords(suppressed={"hash-2"}), FakeSendGrid()
    records.claims["m-1:key-3"] = "m-1:p:9"  # another batch of this mailing holds them
    task = newsletter(1, 2, 3)
    assert delivery(records, sendgrid).run(task, attempt=1) is None
    assert sendgrid.mailed() == ["p1@example.org"]
    batch = records.batches[task.batch_id]
    assert (batch["sent"], batch["failed"], batch["suppressed"]) == (1, 0, 2)


def test_nobody_left_to_mail_is_a_sent_batch_without_a_request() -> None:
    records, sendgrid = FakeRecords(suppressed={"hash-1"}), FakeSendGrid()
    erased = email_task("welcome", "c-1", "key-9", TITLE, None)
    for task in (welcome(1), erased):
        assert delivery(records, sendgrid).run(task, attempt=1) is None
    assert sendgrid.requests == []
    assert records.turns == {}
    assert records.batches[welcome(1).batch_id] | {"updated_at": None} == {
        "_id": welcome(1).batch_id, "kind": "welcome", "campaign_id": "c-1", "size": 1,
        "state": SENT, "sent": 0, "failed": 0, "suppressed": 1, "updated_at": None,
    }  # fmt: skip
    assert records.batches[erased.batch_id]["state"] == SENT


def test_a_mailing_text_that_is_not_our_template_fails_its_batch() -> None:
    records, sendgrid = FakeRecords(), FakeSendGrid()
    task = newsletter(1, body="{{ config }}")
    assert delivery(records, sendgrid).run(task, attempt=1) is None
    assert sendgrid.requests == []
    assert records.batches[task.batch_id]["state"] == FAILED
    assert records.dead[task.batch_id]["reason"].startswith("mailing text refused")


def test_a_payload_that_is_not_a_task_fails_its_batch_with_the_reason_once() -> None:
    records, sendgrid = FakeRecords(), FakeSendGrid()
    task = welcome()
    records.batch(task)
    payload = task_payload(task)
    payload["recipients"][0]["locale"] = "xx"  # a language no email is written in
    worker = delivery(records, sendgrid)
    assert worker.receive(payload, attempt=1) is None  # not a Retry: never tried again
    assert sendgrid.requests == []
    batch = records.batches[task.batch_id]
    assert (batch["state"], batch["failed"]) == (FAILED, 1)
    reason = records.dead[task.batch_id]["reason"]
    assert reason.startswith("task payload refused: welcome.recipients.0.locale")
    assert "@" not in reason  # says where and why, never the address
    # Delivered again (a redelivery): its batch has ended, nothing more is sent or written.
    assert worker.receive(payload, attempt=1) is None
    assert sendgrid.requests == []
    assert len(records.dead) == 1


def test_a_payload_naming_no_batch_is_dead_lettered_once() -> None:
    records, sendgrid = FakeRecords(), FakeSendGrid()
    worker = delivery(records, sendgrid)
    for _ in range(2):
        assert worker.receive({"kind": "postcard", "to": "p1@example.org"}, attempt=1) is None
    assert sendgrid.requests == []
    assert records.batches == {}
    ((letter_id, letter),) = records.dead.items()
    assert letter_id.startswith("refused:")
    assert letter["reason"].startswith("task payload refused")
    assert "p1@example.org" not in letter["reason"]


# The tasks the previous version's consumer queued (a dict built by hand), as they wait in Redis
# during an upgrade: a confirmation from a signup event, a welcome rebuilt from a recipient
# document, a newsletter batch (its recipients without confirm_token or signup_id).
PREVIOUS_VERSION_TASKS: list[dict[str, Any]] = [
    {
        "batch_id": "confirmation:c-1:key-1", "kind": "confirmation", "campaign_id": "c-1",
        "campaign_title": {"fr": "Égalité", "en": "Equality", "texts": {"fr": "Égalité",
                           "en": "Equality"}, "fallback": "fr"},
        "recipients": [{
            "email": "p1@example.org", "first_name": "P1", "locale": "fr",
            "supporter_key": "key-1", "unsubscribe_token": "unsub-1", "email_hash": "hash-1",
            "signed_at": "2026-11-01T10:00:00Z", "confirm_token": "confirm-1",
            "signup_id": "0b8f5a7e-4c1a-4a57-9d62-1f0c1b5f6a10",
        }],
    },
    {
        "batch_id": "welcome:c-1:key-2", "kind": "welcome", "campaign_id": "c-1",
        "campaign_title": {"fr": "c-1", "en": "c-1"},
        "recipients": [{
            "email": "p2@example.org", "first_name": "P2", "locale": "en",
            "supporter_key": "key-2", "unsubscribe_token": "unsub-2", "email_hash": "hash-2",
            "signed_at": "2026-11-01T10:00:00.123456+00:00", "confirm_token": None,
            "signup_id": "s-2",
        }],
    },
    {
        "kind": "newsletter", "campaign_id": "c-1", "mailing_id": "m-1",
        "campaign_title": {"fr": "Égalité", "en": "Equality"},
        "subject": {"fr": "Nouvelles", "en": "News"},
        "body_template": {"fr": "Bonjour {{ first_name }}", "en": "Hello {{ first_name }}"},
        "batch_id": "m-1:p:0",
        "recipients": [{
            "email": "p3@example.org", "first_name": "P3", "locale": "fr",
            "supporter_key": "key-3", "unsubscribe_token": "unsub-3", "email_hash": "hash-3",
            "signed_at": None,
        }],
    },
]  # fmt: skip


def test_a_task_the_previous_version_queued_is_sent_exactly_once_after_the_upgrade() -> None:
    records, sendgrid = FakeRecords(), FakeSendGrid()
    worker = delivery(records, sendgrid)
    for payload in PREVIOUS_VERSION_TASKS:
        for _ in range(2):  # and once more, as a redelivery or the sweep would
            assert worker.receive(payload, attempt=1) is None
    assert sendgrid.mailed() == ["p1@example.org", "p2@example.org", "p3@example.org"]
    assert {b["_id"]: b["state"] for b in records.batches.values()} == {
        "confirmation:c-1:key-1": SENT, "welcome:c-1:key-2": SENT, "m-1:p:0": SENT,
    }  # fmt: skip
    assert records.dead == {}
    assert "/confirm/confirm-1" in str(sendgrid.requests[0])  # the confirmation's own link
    # Each with the unsubscribe link its task carries, as the previous version minted it.
    for n, request in enumerate(sendgrid.requests, start=1):
        assert (
            f"/unsubscribe/unsub-{n}>"
            in request["personalizations"][0]["headers"]["List-Unsubscribe"]
        )


def test_this_version_queues_what_the_previous_version_read_but_none_values() -> None:
    """Queued again as they are (the stalled-batch sweep of a task taken from an older one):
    every key the previous version read, but those whose value is None, its default there too.
    The tasks this version builds carry no unsubscribe token (below): workers from before
    require one, so mailer-worker is upgraded before mailer-consumer (docs/mailer.md)."""
    for old in PREVIOUS_VERSION_TASKS:
        new = task_payload(read_task(old))
        assert set(old) <= set(new)
        for before, after in zip(old["recipients"], new["recipients"], strict=True):
            given = {k: v for k, v in before.items() if v is not None and k != "signed_at"}
            assert {k: after[k] for k in given} == given
            assert set(after) <= set(before)


def test_each_email_gets_an_unsubscribe_link_minted_here_that_opens_to_its_person() -> None:
    """Neither the recipient documents nor the tasks hold it: the link never expires, so the
    worker mints it as it sends, with the signup service's keys (its header and its visible
    link alike)."""
    records, sendgrid = FakeRecords(), FakeSendGrid()
    worker = delivery(records, sendgrid)
    for task in (newsletter(1, 2), welcome(3)):
        payload = task_payload(task)
        assert [r for r in payload["recipients"] if "unsubscribe_token" in r] == []
        assert worker.receive(payload, attempt=1) is None
    people = [p for body in sendgrid.requests for p in body["personalizations"]]
    assert [p["to"][0]["email"] for p in people] == [f"p{n}@example.org" for n in (1, 2, 3)]
    for person in people:
        link = person["headers"]["List-Unsubscribe"].strip("<>")
        token = unquote(link.rsplit("/unsubscribe/", 1)[1])
        assert TOKENS.read_unsubscribe(token) == UnsubscribeClaim(person["to"][0]["email"], "c-1")
    assert (
        people[0]["substitutions"]["-unsubscribe_url-"] in people[0]["headers"]["List-Unsubscribe"]
    )
    welcome_text = sendgrid.requests[-1]["content"][0]["value"]
    assert people[2]["headers"]["List-Unsubscribe"].strip("<>") in welcome_text
