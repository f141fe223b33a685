"""Signup events as the signup service publishes them, for tests and benchmarks that feed a
consumer directly: one supporter's usual answers, each overridable."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar, overload

from mobilise_events import Audience, Event, LocalisedText, MailingRequested, PledgeSigned, Signup
from mobilise_runtime.kafka import Received

S = TypeVar("S", bound=Signup)
NEWS = LocalisedText(fr="Nouvelles", en="News")
HELLO = LocalisedText(fr="Bonjour {{ first_name }}", en="Hi {{ first_name }}")


@overload
def signed(**fields: Any) -> PledgeSigned: ...
@overload
def signed(kind: type[S], **fields: Any) -> S: ...
def signed(kind: type[Signup] = PledgeSigned, **fields: Any) -> Signup:
    """A `kind` signup (pledge by default) of Awa in France on campaign `c-1`; `fields` replace
    any of its values (a new `signup_id` each time; `occurred_at`: now unless given)."""
    values: dict[str, Any] = {
        "signup_id": uuid.uuid4(),
        "campaign_id": "c-1",
        "campaign_slug": "women-in-tech",
        "supporter_key": "k-awa",
        "email": "awa@example.org",
        "first_name": "Awa",
        "country": "FR",
        "locale": "fr",
        "newsletter_opt_in": True,
        "consent_text_version": "v1",
        "double_opt_in": False,
    }
    return kind(**(values | fields))


def as_batch(*events: Event, prefix: str = "", partition: int = 0) -> list[Received]:
    """The events as a consumer's handler receives them: one partition, offsets from 0."""
    return [Received(e, prefix + e.topic, partition, n) for n, e in enumerate(events)]


def of_supporter(
    kind: type[S], campaign_id: str, key: str, *, double_opt_in: bool, **fields: Any
) -> S:
    """Supporter `key`'s signup to a campaign, as a counter test or benchmark counts it: its
    address made of the key, its slug the campaign id."""
    values: dict[str, Any] = {
        "campaign_id": campaign_id,
        "campaign_slug": campaign_id,
        "supporter_key": key,
        "email": f"{key}@example.org",
        "consent_text_version": "2026-01",
        "double_opt_in": double_opt_in,
    }
    return signed(kind, **(values | fields))


def mailing_requested(
    campaign_id: str,
    *,
    subject: LocalisedText = NEWS,
    body: LocalisedText = HELLO,
    **audience: Any,
) -> MailingRequested:
    """A newsletter to a campaign's supporters, as the mailer API publishes it; `audience`: its
    filters (countries, confirmed_only, locale)."""
    return MailingRequested(
        mailing_id=uuid.uuid4(),
        campaign_id=campaign_id,
        subject=subject,
        body_template=body,
        audience=Audience(**audience),
    )
