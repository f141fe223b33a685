"""What the read side refuses or cannot do; routes/errors.py turns each into one HTTP answer."""

from __future__ import annotations


class CounterError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownCampaign(CounterError):
    """The signup service knows no campaign by this slug."""


class RangeRejected(CounterError):
    """A history request outside what the API serves (reversed, or too long for its bucket)."""


class Unavailable(CounterError):
    """A dependency (the signup service, MongoDB) does not answer: try again shortly."""

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
