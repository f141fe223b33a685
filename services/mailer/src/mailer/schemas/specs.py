"""The send task's payload: one SendGrid request's worth of mail, as mailer-consumer builds it
(and its stalled-batch sweep rebuilds it) and mailer-worker reads it (mailer.application.delivery).
A typed, frozen model on both sides of Redis: serialised to JSON when queued (`task_payload`),
validated when a worker takes it (`read_task`).

The JSON is the shape the dict-built tasks of earlier versions had (same keys, same values), less
the keys whose value is None (their default) and the recipients' unsubscribe tokens, which the
worker mints as it sends: a task queued by an earlier version, token included, is read and sent
with its own token. The reverse does not hold: a worker from before requires the token, so
mailer-worker is deployed before mailer-consumer (docs/mailer.md). Unknown keys are ignored: a
newer consumer may add some."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from pydantic_core import to_jsonable_python

from mailer.presentation.i18n import Locale
from mobilise_events import LocalisedText
from mobilise_runtime.mongo import Document

EmailKind = Literal["confirmation", "welcome"]
CONFIRMATION: Final = "confirmation"
WELCOME: Final = "welcome"


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class TaskRecipient(_Payload):
    """What a send needs of one recipient."""

    email: str = Field(min_length=1)
    first_name: str
    locale: Locale
    supporter_key: str = Field(min_length=1)
    # None: the worker mints it as it sends (mailer.application.delivery). Tasks queued by
    # earlier versions carry one, minted by the consumer: sent as it is.
    unsubscribe_token: str | None = None
    email_hash: str = Field(min_length=1)
    # When they signed: an erasure after it keeps them from being mailed (None: unknown).
    signed_at: datetime | None = None
    confirm_token: str | None = None  # a confirmation's link; None in any other email
    signup_id: str | None = None


class SignupEmailTask(_Payload):
    """A confirmation or welcome email: one person (or nobody, when erased or forgotten since:
    the task then sends nothing and its batch counts the email suppressed)."""

    kind: EmailKind
    batch_id: str = Field(min_length=1)
    campaign_id: str = Field(min_length=1)
    campaign_title: LocalisedText
    recipients: tuple[TaskRecipient, ...] = Field(max_length=1)


class NewsletterTask(_Payload):
    """One batch of a mailing's plan: one language, at most 1,000 people."""

    kind: Literal["newsletter"]
    batch_id: str = Field(min_length=1)
    campaign_id: str = Field(min_length=1)
    mailing_id: str = Field(min_length=1)
    campaign_title: LocalisedText
    subject: LocalisedText
    body_template: LocalisedText
    recipients: tuple[TaskRecipient, ...] = Field(max_length=1000)


SendTask = Annotated[SignupEmailTask | NewsletterTask, Field(discriminator="kind")]
_SEND_TASK: TypeAdapter[SignupEmailTask | NewsletterTask] = TypeAdapter(SendTask)


Payload = dict[str, Any]


def task_payload(task: SignupEmailTask | NewsletterTask) -> Payload:
    """The task as it travels through Redis (Celery's JSON), without the None values: each is
    its field's default, and a newsletter's 1,000 recipients would carry three of them each."""
    return task.model_dump(mode="json", exclude_none=True)


def newsletter_payload(
    *,
    batch_id: str,
    campaign_id: str,
    mailing_id: str,
    campaign_title: LocalisedText,
    subject: LocalisedText,
    body_template: LocalisedText,
    recipients: Iterable[Document],
) -> Payload:
    """`task_payload` of this NewsletterTask, each recipient `person(document)`: the same JSON
    (tests/unit/test_mailer_specs.py), built without the models. A mailing of 100,000 queues
    100 batches of 1,000, and building then dumping the models was ~40 % of the consumer's own
    time while it planned; the worker still validates each payload as it takes it (`read_task`),
    so a recipient document that does not read as one fails its batch there, with the reason."""
    payload: Payload = to_jsonable_python(
        {
            "kind": "newsletter",
            "batch_id": batch_id,
            "campaign_id": campaign_id,
            "mailing_id": mailing_id,
            "campaign_title": campaign_title,
            "subject": subject,
            "body_template": body_template,
            "recipients": [_person_fields(r) for r in recipients],
        }
    )
    return payload


def read_task(payload: object) -> SignupEmailTask | NewsletterTask:
    """The task a worker took; pydantic's ValidationError when it is not one."""
    return _SEND_TASK.validate_python(payload)


def message_of(task: SignupEmailTask | NewsletterTask) -> str:
    """What (supporter, message) idempotency is about: a mailing, or one kind of email of a
    campaign (one confirmation and one welcome per person and campaign, however often they sign)."""
    if isinstance(task, NewsletterTask):
        return task.mailing_id
    return f"{task.kind}:{task.campaign_id}"


def email_batch_id(kind: str, campaign_id: str, supporter_key: str) -> str:
    """One confirmation and one welcome per person and campaign: a replay, or the same person
    signing again, finds the batch of the first."""
    return f"{kind}:{campaign_id}:{supporter_key}"


def email_supporter_key(batch: Document) -> str:
    """The supporter a signup email's batch document is for (its id says it)."""
    return str(batch["_id"]).removeprefix(f"{batch['kind']}:{batch['campaign_id']}:")


def email_task(
    kind: EmailKind,
    campaign_id: str,
    supporter_key: str,
    title: LocalisedText,
    source: Document | None,
) -> SignupEmailTask:
    """A confirmation or welcome email to `source`: the signup event's fields or the recipient
    document, either with its `email_hash`. Without a source (erased or forgotten since), or a
    confirmation without its token, the task sends nothing and the batch counts it suppressed."""
    recipients = []
    token = source.get("confirm_token") if source is not None else None
    if source is not None and source.get("email") and (kind != CONFIRMATION or token):
        recipients.append(
            person(
                source,
                confirm_token=token if kind == CONFIRMATION else None,
                signup_id=source.get("signup_id"),
            )
        )
    return SignupEmailTask(
        kind=kind,
        batch_id=email_batch_id(kind, campaign_id, supporter_key),
        campaign_id=campaign_id,
        campaign_title=title,
        recipients=tuple(recipients),
    )


def person(source: Document, **extra: Any) -> TaskRecipient:
    """What a send needs of a recipient (a signup event's fields or a recipient document)."""
    return TaskRecipient(**{**_person_fields(source), **extra})


def _person_fields(source: Document) -> dict[str, Any]:
    # No unsubscribe token, even one a recipient document written by an earlier version holds:
    # the worker mints one of the same claims (address, campaign) as it sends. No None either
    # (task_payload's): the field's default.
    fields = {
        "email": source["email"],
        "first_name": source["first_name"],
        "locale": source["locale"],
        "supporter_key": source["supporter_key"],
        "email_hash": source["email_hash"],
    }
    signed_at = source.get("signed_at") or source.get("occurred_at")
    if signed_at is not None:
        fields["signed_at"] = signed_at
    return fields
