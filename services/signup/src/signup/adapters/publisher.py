"""The signup service's events, published durably (acks=all) or not at all."""

from __future__ import annotations

from mobilise_runtime.errors import Unavailable
from mobilise_runtime.kafka import EventPublisher, TimedPublisher

RETRY_AFTER_S = 5


def _unavailable() -> Unavailable:
    return Unavailable(
        "signups are paused for a moment and yours may not have been recorded; "
        "please try again (a repeat counts once)",
        retry_after_s=RETRY_AFTER_S,
    )


class SignupPublisher(TimedPublisher):
    def __init__(self, publisher: EventPublisher, *, timeout_s: float) -> None:
        super().__init__(publisher, timeout_s=timeout_s, unavailable=_unavailable)
