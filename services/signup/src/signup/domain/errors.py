"""What can go wrong in the signup service, in its own words, each with its HTTP status
(mobilise_runtime.errors answers them all as JSON)."""

from __future__ import annotations

from mobilise_runtime.errors import BearerRefused, DomainError, RetryLater


class SignupError(DomainError):
    """Base: the message is safe to show to the person who made the request."""


class NotFound(SignupError):
    status = 404


class AlreadyExists(SignupError):
    status = 409


class NotOpenYet(SignupError):
    status = 409


class Closed(SignupError):
    status = 410


class Anonymised(SignupError):
    """A change that would reopen a campaign whose supporters' data was deleted."""

    status = 409


class Rejected(SignupError):
    """Well-formed input that the campaign's rules refuse (a country it does not cover, …)."""

    status = 422


class LinkRefused(SignupError):
    """An emailed link that is forged, for something else, or expired."""

    status = 400


class NotAuthenticated(SignupError, BearerRefused):
    pass


class Forbidden(SignupError):
    """A known organiser asking for what their role or campaigns do not cover."""

    status = 403


class Unavailable(SignupError, RetryLater):
    """A dependency is down: not accepted (though what was sent may still land); may retry."""


class TooManyRequests(SignupError, RetryLater):
    """Past a hard rate limit: refused, nothing published; may retry after `retry_after_s`."""

    status = 429


class ProofRequired(SignupError):
    """Past a soft rate limit: the signup needs a solved proof of work (`challenge`, `bits`)."""

    status = 428

    def __init__(self, message: str, *, challenge: str, bits: int) -> None:
        super().__init__(message, field="proof")
        self.challenge = challenge
        self.bits = bits

    def body(self) -> dict[str, object]:
        return {**super().body(), "challenge": {"token": self.challenge, "bits": self.bits}}
