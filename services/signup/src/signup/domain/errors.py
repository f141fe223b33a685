"""What only the signup service refuses, each with its HTTP status; the refusals every service
makes (NotFound, Forbidden, Rejected, Unavailable, …) are mobilise_runtime.errors';
mobilise_runtime.error_responses answers them all as JSON."""

from __future__ import annotations

from mobilise_runtime.errors import Conflict, DomainError, RetryLater


class AlreadyExists(Conflict):
    """A campaign, partner, organiser or consent text under a key that is taken; a sign-in link
    used before."""


class NotOpenYet(Conflict):
    """A signup before the campaign opens."""


class Anonymised(Conflict):
    """A change that would reopen a campaign whose supporters' data was deleted."""


class Closed(DomainError):
    """A signup after the campaign closed (or was closed by its organisers)."""

    status = 410


class LinkRefused(DomainError):
    """An emailed link that is forged, for something else, or expired (400, the default)."""


class TooManyRequests(RetryLater):
    """Past a hard rate limit: refused, nothing published; may retry after `retry_after_s`."""

    status = 429


class ProofRequired(DomainError):
    """Past a soft rate limit: the signup needs a solved proof of work (`challenge`, `bits`)."""

    status = 428

    def __init__(self, message: str, *, challenge: str, bits: int) -> None:
        super().__init__(message, field="proof")
        self.challenge = challenge
        self.bits = bits

    def body(self) -> dict[str, object]:
        return {**super().body(), "challenge": {"token": self.challenge, "bits": self.bits}}
