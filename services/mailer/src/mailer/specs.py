"""The argument of a send task (a spec, read by mailer.delivery) as mailer-consumer builds it, and
the batch ids of signup emails."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mobilise_runtime.mongo import Document

Spec = dict[str, Any]
CONFIRMATION, WELCOME = "confirmation", "welcome"


def email_batch_id(kind: str, campaign_id: str, supporter_key: str) -> str:
    """One confirmation and one welcome per person and campaign: a replay, or the same person
    signing again, finds the batch of the first."""
    return f"{kind}:{campaign_id}:{supporter_key}"


def email_supporter_key(batch: Document) -> str:
    """The supporter a signup email's batch document is for (its id says it)."""
    return str(batch["_id"]).removeprefix(f"{batch['kind']}:{batch['campaign_id']}:")


def email_spec(
    kind: str, campaign_id: str, supporter_key: str, title: Document, source: Document | None
) -> Spec:
    """A confirmation or welcome email to `source`: the signup event's fields or the recipient
    document, either with its `email_hash`. Without a source (erased or forgotten since), or a
    confirmation without its token, the task sends nothing and the batch counts it suppressed."""
    recipients = []
    token = source.get("confirm_token") if source is not None else None
    if source is not None and source.get("email") and (kind != CONFIRMATION or token):
        recipients.append(
            {
                **person(source),
                "confirm_token": token if kind == CONFIRMATION else None,
                "signup_id": source.get("signup_id"),
            }
        )
    return {
        "batch_id": email_batch_id(kind, campaign_id, supporter_key),
        "kind": kind,
        "campaign_id": campaign_id,
        "campaign_title": title,
        "recipients": recipients,
    }


def person(source: Document) -> dict[str, Any]:
    """What a send needs of a recipient (a signup event's fields or a recipient document)."""
    signed_at = source.get("signed_at") or source.get("occurred_at")
    return {
        "email": source["email"],
        "first_name": source["first_name"],
        "locale": source["locale"],
        "supporter_key": source["supporter_key"],
        "unsubscribe_token": source["unsubscribe_token"],
        "email_hash": source["email_hash"],
        "signed_at": signed_at.isoformat() if isinstance(signed_at, datetime) else signed_at,
    }
