"""What the read side refuses or cannot do, each with its HTTP status
(mobilise_runtime.error_responses answers them all as JSON; the dashboard's page answers them
with pages of its own)."""

from __future__ import annotations

from mobilise_runtime.errors import DomainError, RetryLater


class CounterError(DomainError):
    pass


class UnknownCampaign(CounterError):
    """The signup service knows no campaign by this slug."""

    status = 404


class RangeRejected(CounterError):
    """A history request outside what the API serves (reversed, or too long for its bucket)."""

    status = 422


class Unavailable(CounterError, RetryLater):
    """A dependency (the signup service, MongoDB) does not answer: try again shortly."""
