"""One mail batch, from its task to SendGrid: check suppressions, claim, send, record the outcome.

One run only of a task queued twice (the stalled-batch sweep, a redelivery) sends: each send
takes the batch's current turn first (`SendingStore.start_sending`, insert-once); a send known not
taken by SendGrid moves the batch to its next turn, for the retry.

At most once when the outcome is unknown: the turn is taken (durably) right before the request
leaves. A task that finds the turn taken by a run gone quiet, or its batch "sending" (marked so by
workers before send turns) — its worker was killed mid-request — or a gateway that answered
502/504, cannot know whether SendGrid took the request (SendGrid has no idempotency key), so it
records the batch "unknown", dead-letters it and sends nothing: a lost email is recoverable by an
organiser, a duplicate is not. Everything known not to have been taken
(429, other 5xx, unreachable) is retried with backoff until `send_max_attempts`.

Each email's unsubscribe link is minted here, for the people it is sent to, unless its task
carries one (queued by an earlier version): the link never expires, so when it is minted does
not matter, and neither the recipient documents nor the tasks hold it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

from pydantic import ValidationError

from mailer.adapters.sendgrid import RateLimited, Refused, Unavailable
from mailer.domain.planning import retry_delay
from mailer.presentation import messages
from mailer.presentation.messages import BodyTemplateError, Recipient, Sender
from mailer.repository import FAILED, FINAL, RETRYING, SENDING, SENT, UNKNOWN
from mailer.repository.sending import as_utc
from mailer.schemas.specs import (
    NewsletterTask,
    SignupEmailTask,
    TaskRecipient,
    message_of,
    read_task,
)
from mailer.settings import Settings
from mobilise_runtime.link_tokens import Tokens, UnsubscribeClaim
from mobilise_runtime.logging import get_logger
from mobilise_runtime.mongo import Document
from mobilise_runtime.store_outage import ride_out_blocking

log = get_logger(__name__)
Task = SignupEmailTask | NewsletterTask
UNKNOWN_OUTCOME = "outcome unknown: an earlier attempt was cut off mid-request; not resent"


class MailClient(Protocol):
    """SendGrid's mail send (mailer.adapters.sendgrid.SendGridClient): its X-Message-Id, or one of
    its errors (RateLimited, Unavailable, Refused)."""

    def send(self, body: dict[str, Any]) -> str: ...


class SendRecords(Protocol):
    """What a send reads and writes (mailer.repository.sending.SendingStore): the batch, the
    suppressions, the (supporter, message) claims, the send turns and the dead letters."""

    def batch(self, task: Task) -> Document: ...
    def existing_batch(self, batch_id: str) -> Document | None: ...
    def blocked(self, campaign_id: str, recipients: Sequence[TaskRecipient]) -> set[str]: ...
    def claim(
        self, message: str, batch_id: str, campaign_id: str, supporter_keys: Sequence[str]
    ) -> list[str]: ...
    def start_sending(self, batch_id: str, campaign_id: str, turn: int, attempt: int) -> bool: ...
    def turn_taken_at(self, batch_id: str, turn: int) -> datetime | None: ...
    def set_state(self, batch_id: str, state: str, **fields: Any) -> None: ...
    def dead_letter(self, batch: Document, keys: list[str], reason: str, attempts: int) -> None: ...


T = TypeVar("T")


@dataclass(frozen=True)
class Retry:
    delay_s: float
    reason: str


@dataclass
class Delivery:
    store: SendRecords
    client: MailClient
    sender: Sender
    settings: Settings
    tokens: Tokens  # the signup service's link keys: the unsubscribe links

    def receive(self, payload: object, attempt: int) -> Retry | None:
        """Runs the task a worker took, once its payload reads as one. A payload that does not
        is given up at once with the reason (its batch, if it names one, fails and is not queued
        again): retrying the same payload would fail the same way."""
        try:
            task = read_task(payload)
        except ValidationError as exc:
            self._refuse(payload, _why(exc), attempt)
            return None
        return self.run(task, attempt)

    def run(self, task: Task, attempt: int) -> Retry | None:
        batch = self.store.batch(task)
        keys = [r.supporter_key for r in task.recipients]
        if batch["state"] in FINAL:
            return None
        if batch["state"] == SENDING:
            if self._in_flight(batch.get("updated_at")):
                return None  # another run of this task is mid-request: it records the outcome
            self._give_up(batch, keys, UNKNOWN, UNKNOWN_OUTCOME, attempt)
            return None
        blocked = self.store.blocked(task.campaign_id, task.recipients)
        allowed = [r.supporter_key for r in task.recipients if r.email_hash not in blocked]
        held = set(self.store.claim(message_of(task), task.batch_id, task.campaign_id, allowed))
        claimed = [r for r in task.recipients if r.supporter_key in held]
        if not claimed:
            self._finish(batch, SENT, sent=0)
            return None
        try:
            body = self._body(task, claimed)
        except BodyTemplateError as exc:
            self._give_up(batch, keys, FAILED, f"mailing text refused: {exc}", attempt)
            return None
        turn = _turn(batch)
        if not self.store.start_sending(task.batch_id, task.campaign_id, turn, attempt):
            self._turn_taken(task, keys, turn, attempt)
            return None
        try:
            message_id = self.client.send(body)
        except RateLimited as exc:
            reason, wait_s = str(exc), exc.retry_after_s
            return self._record(
                lambda: self._retry(batch, keys, attempt, reason, not_before_s=wait_s)
            )
        except Unavailable as exc:
            reason = str(exc)
            if exc.maybe_sent:
                unknown = f"outcome unknown: {reason}"
                self._record(lambda: self._give_up(batch, keys, UNKNOWN, unknown, attempt))
                return None
            return self._record(lambda: self._retry(batch, keys, attempt, reason))
        except Refused as exc:
            reason = str(exc)
            self._record(lambda: self._give_up(batch, keys, FAILED, reason, attempt))
            return None
        self._record(
            lambda: self._finish(
                batch, SENT, sent=len(claimed), message_id=message_id, attempts=attempt
            )
        )
        log.info("batch sent", batch=task.batch_id, sent=len(claimed), blocked=len(blocked))
        return None

    def _refuse(self, payload: object, reason: str, attempt: int) -> None:
        named = payload.get("batch_id") if isinstance(payload, dict) else None
        batch = self.store.existing_batch(named) if isinstance(named, str) else None
        reason = f"task payload refused: {reason}"
        if batch is None:
            # No batch to fail: the dead letter alone says what was given up.
            refused = {"_id": _refused_id(payload), "kind": "refused task"}
            self.store.dead_letter(refused, [], reason, attempt)
            log.error("task payload refused", dead_letter=refused["_id"], reason=reason)
        elif batch["state"] in FINAL:
            log.error("task payload refused; its batch had ended", batch=named, reason=reason)
        else:
            self._give_up(batch, [], FAILED, reason, attempt)

    def _record(self, outcome: Callable[[], T]) -> T:
        """A send's outcome, once the request went: written whatever the store's outage (within
        `store_wait_s`); the task's retry would find its own turn taken and learn nothing."""
        return ride_out_blocking(
            outcome,
            process="mailer-worker",
            what="a send's outcome",
            within_s=self.settings.store_wait_s,
        )

    def _in_flight(self, since: Any) -> bool:
        """Its turn taken (or marked "sending") so recently that its request may still be
        going: a request ends within the client's timeout (twice it, for the reads after the
        write)."""
        window = timedelta(seconds=2 * self.settings.sendgrid_timeout_s)
        return since is not None and as_utc(since) > datetime.now(UTC) - window

    def _turn_taken(self, task: Task, keys: list[str], turn: int, attempt: int) -> None:
        """Another run of this task took this send turn: it sends and records the outcome. Given
        up as unknown only if that run went quiet with the turn (cut off mid-request: it may have
        sent), unless the batch moved on meanwhile (finished, or its next turn is a retry's)."""
        if self._in_flight(self.store.turn_taken_at(task.batch_id, turn)):
            return
        batch = self.store.batch(task)
        if batch["state"] in FINAL or _turn(batch) != turn:
            return
        self._give_up(batch, keys, UNKNOWN, UNKNOWN_OUTCOME, attempt)

    def _retry(
        self, batch: Document, keys: list[str], attempt: int, reason: str, **when: float
    ) -> Retry | None:
        if attempt >= self.settings.send_max_attempts:
            self._give_up(
                batch, keys, FAILED, f"gave up after {attempt} attempts: {reason}", attempt
            )
            return None
        # Known not taken by SendGrid: a later attempt may send it, in the batch's next turn.
        self.store.set_state(
            batch["_id"], RETRYING, attempts=attempt, reason=reason, turn=_turn(batch) + 1
        )
        delay = retry_delay(
            attempt,
            base_s=self.settings.send_retry_base_s,
            max_s=self.settings.send_retry_max_s,
            not_before_s=when.get("not_before_s", 0.0),
        )
        log.warning("batch will be retried", batch=batch["_id"], delay_s=delay, reason=reason)
        return Retry(delay, reason)

    def _give_up(
        self, batch: Document, keys: list[str], state: str, reason: str, attempt: int
    ) -> None:
        size = int(batch["size"])
        self._finish(batch, state, sent=0, failed=size, reason=reason, attempts=attempt)
        self.store.dead_letter(batch, keys, reason, attempt)
        log.error("batch dead-lettered", batch=batch["_id"], state=state, reason=reason)

    def _finish(
        self, batch: Document, state: str, *, sent: int, failed: int = 0, **extra: Any
    ) -> None:
        # Whoever in the batch was neither sent nor failed was suppressed, erased, or already
        # mailed by another batch: progress counts them as suppressed.
        suppressed = int(batch["size"]) - sent - failed
        self.store.set_state(
            batch["_id"], state, sent=sent, failed=failed, suppressed=suppressed, **extra
        )

    def _body(self, task: Task, claimed: list[TaskRecipient]) -> dict[str, Any]:
        people = [self._recipient(task, r) for r in claimed]
        if isinstance(task, NewsletterTask):
            bodies = messages.newsletter(
                sender=self.sender,
                mailing_id=task.mailing_id,
                campaign_title=task.campaign_title,
                subject=task.subject,
                body_template=task.body_template,
                recipients=people,
            )
            if len(bodies) != 1:  # planned batches hold one language and at most 1,000 people
                raise ValueError(f"batch {task.batch_id} is not one request")
            return bodies[0]
        build = messages.confirmation if task.kind == "confirmation" else messages.welcome
        return build(sender=self.sender, campaign_title=task.campaign_title, recipient=people[0])

    def _recipient(self, task: Task, r: TaskRecipient) -> Recipient:
        unsubscribe = r.unsubscribe_token or self.tokens.unsubscribe_token(
            UnsubscribeClaim(r.email, task.campaign_id)
        )
        return Recipient(
            email=r.email,
            first_name=r.first_name,
            locale=r.locale,
            supporter_key=r.supporter_key,
            unsubscribe_token=unsubscribe,
            confirm_token=r.confirm_token,
            campaign_id=task.campaign_id,
            signup_id=r.signup_id,
        )


def _turn(batch: Document) -> int:
    """The batch's send turn: how many of its sends were known not taken (0 for a new batch)."""
    return int(batch.get("turn") or 0)


def _why(exc: ValidationError) -> str:
    """Where and why, without the values (they may be an address)."""
    problems = exc.errors(include_input=False, include_url=False)
    return "; ".join(f"{'.'.join(map(str, p['loc'])) or 'payload'}: {p['msg']}" for p in problems)


def _refused_id(payload: object) -> str:
    """The same for every delivery of the same payload: one dead letter, however often."""
    text = json.dumps(payload, sort_keys=True, default=str)
    return "refused:" + hashlib.sha256(text.encode()).hexdigest()[:24]
