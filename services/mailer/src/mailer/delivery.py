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
(429, other 5xx, unreachable) is retried with backoff until `send_max_attempts`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from mailer import messages
from mailer.messages import BodyTemplateError, Recipient, Sender
from mailer.planning import retry_delay
from mailer.repository import FAILED, FINAL, RETRYING, SENDING, SENT, UNKNOWN
from mailer.repository.sending import SendingStore, as_utc
from mailer.sendgrid import RateLimited, Refused, SendGridClient, Unavailable
from mailer.settings import Settings
from mailer.specs import Spec
from mobilise_events import LocalisedText
from mobilise_runtime.logging import get_logger
from mobilise_runtime.mongo import Document
from mobilise_runtime.store_outage import ride_out_blocking

log = get_logger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Retry:
    delay_s: float
    reason: str


def message_of(spec: Spec) -> str:
    """What (supporter, message) idempotency is about: a mailing, or one kind of email of a
    campaign (one confirmation and one welcome per person and campaign, however often they sign)."""
    if spec["kind"] == "newsletter":
        return str(spec["mailing_id"])
    return f"{spec['kind']}:{spec['campaign_id']}"


@dataclass
class Delivery:
    store: SendingStore
    client: SendGridClient
    sender: Sender
    settings: Settings

    def run(self, spec: Spec, attempt: int) -> Retry | None:
        batch = self.store.batch(spec)
        keys = [r["supporter_key"] for r in spec["recipients"]]
        if batch["state"] in FINAL:
            return None
        if batch["state"] == SENDING:
            if self._in_flight(batch.get("updated_at")):
                return None  # another run of this task is mid-request: it records the outcome
            reason = "outcome unknown: an earlier attempt was cut off mid-request; not resent"
            self._give_up(batch, keys, UNKNOWN, reason, attempt)
            return None
        recipients: list[dict[str, Any]] = spec["recipients"]
        blocked = self.store.blocked(spec["campaign_id"], recipients)
        allowed = [r for r in recipients if r["email_hash"] not in blocked]
        claimed = self.store.claim(message_of(spec), batch["_id"], spec["campaign_id"], allowed)
        if not claimed:
            self._finish(batch, SENT, sent=0)
            return None
        try:
            body = self._body(spec, claimed)
        except BodyTemplateError as exc:
            self._give_up(batch, keys, FAILED, f"mailing text refused: {exc}", attempt)
            return None
        turn = _turn(batch)
        if not self.store.start_sending(batch["_id"], spec["campaign_id"], turn, attempt):
            self._turn_taken(spec, keys, turn, attempt)
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
        log.info("batch sent", batch=batch["_id"], sent=len(claimed), blocked=len(blocked))
        return None

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

    def _turn_taken(self, spec: Spec, keys: list[str], turn: int, attempt: int) -> None:
        """Another run of this task took this send turn: it sends and records the outcome. Given
        up as unknown only if that run went quiet with the turn (cut off mid-request: it may have
        sent), unless the batch moved on meanwhile (finished, or its next turn is a retry's)."""
        if self._in_flight(self.store.turn_taken_at(spec["batch_id"], turn)):
            return
        batch = self.store.batch(spec)
        if batch["state"] in FINAL or _turn(batch) != turn:
            return
        reason = "outcome unknown: an earlier attempt was cut off mid-request; not resent"
        self._give_up(batch, keys, UNKNOWN, reason, attempt)

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

    def _body(self, spec: Spec, claimed: list[dict[str, Any]]) -> dict[str, Any]:
        title = LocalisedText(**spec["campaign_title"])
        people = [_recipient(spec, r) for r in claimed]
        if spec["kind"] == "newsletter":
            bodies = messages.newsletter(
                sender=self.sender,
                mailing_id=spec["mailing_id"],
                campaign_title=title,
                subject=LocalisedText(**spec["subject"]),
                body_template=LocalisedText(**spec["body_template"]),
                recipients=people,
            )
            if len(bodies) != 1:  # planned batches hold one language and at most 1,000 people
                raise ValueError(f"batch {spec['batch_id']} is not one request")
            return bodies[0]
        build = messages.confirmation if spec["kind"] == "confirmation" else messages.welcome
        return build(sender=self.sender, campaign_title=title, recipient=people[0])


def _turn(batch: Document) -> int:
    """The batch's send turn: how many of its sends were known not taken (0 for a new batch)."""
    return int(batch.get("turn") or 0)


def _recipient(spec: Spec, r: dict[str, Any]) -> Recipient:
    return Recipient(
        email=r["email"],
        first_name=r["first_name"],
        locale=r["locale"],
        supporter_key=r["supporter_key"],
        unsubscribe_token=r["unsubscribe_token"],
        confirm_token=r.get("confirm_token"),
        campaign_id=spec["campaign_id"],
        signup_id=r.get("signup_id"),
    )
