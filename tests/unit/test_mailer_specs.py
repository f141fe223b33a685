"""Signup emails' tasks as the consumer builds them, first and again after a lost task."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from mailer.schemas.specs import (
    NewsletterTask,
    email_batch_id,
    email_supporter_key,
    email_task,
    newsletter_payload,
    person,
    read_task,
    task_payload,
)
from mobilise_events import LocalisedText

TITLE = LocalisedText(fr="Femmes", en="Women")


def _recipient(**fields: Any) -> dict[str, Any]:
    return {
        "email": "awa@example.org",
        "email_hash": "h1",
        "first_name": "Awa",
        "locale": "fr",
        "supporter_key": "key:1",
        "unsubscribe_token": "unsub-1",
        "signup_id": "s-1",
        "confirm_token": "confirm-1",
        **fields,
    }


def test_a_batch_names_its_supporter_even_with_colons_in_the_campaign_id() -> None:
    batch = {
        "_id": email_batch_id("welcome", "c:1", "key:1"),
        "kind": "welcome",
        "campaign_id": "c:1",
    }
    assert email_supporter_key(batch) == "key:1"


def test_a_confirmation_carries_its_token_and_a_welcome_none() -> None:
    confirmation = email_task("confirmation", "c1", "key:1", TITLE, _recipient())
    (person,) = confirmation.recipients
    assert (person.confirm_token, person.email) == ("confirm-1", "awa@example.org")
    assert confirmation.batch_id == "confirmation:c1:key:1"
    (welcomed,) = email_task("welcome", "c1", "key:1", TITLE, _recipient()).recipients
    assert welcomed.confirm_token is None


def test_nobody_to_send_to_when_erased_or_without_what_the_email_needs() -> None:
    assert email_task("welcome", "c1", "key:1", TITLE, None).recipients == ()
    only_confirmed = {"_id": "c1:key:1", "confirmed": True, "supporter_key": "key:1"}
    assert email_task("welcome", "c1", "key:1", TITLE, only_confirmed).recipients == ()
    no_token = _recipient(confirm_token=None)
    assert email_task("confirmation", "c1", "key:1", TITLE, no_token).recipients == ()


def test_a_newsletter_payload_built_directly_is_the_model_s_json() -> None:
    signed: list[dict[str, Any]] = [
        {"signed_at": datetime(2026, 3, 1, 9, 30, 0, 920000, tzinfo=UTC)},
        {"signed_at": datetime(2026, 3, 1, 9, 30)},  # naive, as some drivers give it
        {"signed_at": datetime(2026, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=2)))},
        {"signed_at": None, "occurred_at": datetime(2026, 3, 2, tzinfo=UTC)},
        {},
    ]
    documents = [
        _recipient(supporter_key=f"key:{n}", locale=("fr", "en")[n % 2], **when)
        for n, when in enumerate(signed)
    ]
    fields: dict[str, Any] = {
        "batch_id": "m-1:plan:00000",
        "campaign_id": "c1",
        "mailing_id": "m-1",
        "campaign_title": TITLE,
        "subject": TITLE,
        "body_template": LocalisedText(fr="Bonjour {{ first_name }}", en="Hello"),
    }
    payload = newsletter_payload(**fields, recipients=iter(documents))
    model = NewsletterTask(
        kind="newsletter", **fields, recipients=tuple(person(d) for d in documents)
    )
    assert json.dumps(payload) == json.dumps(task_payload(model))
    assert read_task(payload) == model


def test_a_newsletter_payload_carries_no_unsubscribe_token_nor_none_values() -> None:
    """The worker mints each unsubscribe link as it sends: a task carries none, even for a
    recipient document an earlier version wrote with its token (`_recipient` holds one); a
    None is its field's default, left out (1,000 recipients a task)."""
    payload = newsletter_payload(
        batch_id="m-1:plan:00000", campaign_id="c1", mailing_id="m-1", campaign_title=TITLE,
        subject=TITLE, body_template=TITLE,
        recipients=iter([_recipient(signed_at=datetime(2026, 3, 1, tzinfo=UTC))]),
    )  # fmt: skip
    (sent,) = payload["recipients"]
    assert sent == {
        "email": "awa@example.org", "first_name": "Awa", "locale": "fr",
        "supporter_key": "key:1", "email_hash": "h1", "signed_at": "2026-03-01T00:00:00Z",
    }  # fmt: skip
    (welcomed,) = task_payload(email_task("welcome", "c1", "key:1", TITLE, _recipient()))[
        "recipients"
    ]
    assert "unsubscribe_token" not in welcomed
    assert read_task(payload).recipients[0].unsubscribe_token is None
