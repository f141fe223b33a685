"""The mailer API's events (mailing.requested, supporter.unsubscribed from the webhook),
published durably (acks=all) or not at all."""

from __future__ import annotations

from mobilise_runtime.errors import Unavailable
from mobilise_runtime.kafka import EventPublisher, TimedPublisher

RETRY_AFTER_S = 5


def _unavailable() -> Unavailable:
    # The producer may still deliver it (or wrote it and the ack was lost): a webhook event
    # published twice is one suppression; a mailing retried after a 503 may be requested twice
    # (see docs/mailer.md).
    return Unavailable(
        "Kafka did not take the request in time: nothing was accepted, try again",
        retry_after_s=RETRY_AFTER_S,
    )


class MailerPublisher(TimedPublisher):
    def __init__(self, publisher: EventPublisher, *, timeout_s: float) -> None:
        super().__init__(publisher, timeout_s=timeout_s, unavailable=_unavailable)
