"""What can go wrong in the signup service, in its own words (routes/errors.py: HTTP)."""

from __future__ import annotations


class SignupError(Exception):
    """Base: the message is safe to show to the person who made the request."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(SignupError):
    pass


class AlreadyExists(SignupError):
    pass


class NotOpenYet(SignupError):
    pass


class Closed(SignupError):
    pass


class Rejected(SignupError):
    """Well-formed input that the campaign's rules refuse (a country it does not cover, …)."""


class NotAuthenticated(SignupError):
    pass


class Forbidden(SignupError):
    """A known organiser asking for what their role or campaigns do not cover."""


class Unavailable(SignupError):
    """A dependency is down: not accepted (though what was sent may still land); may retry."""

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class TooManyRequests(SignupError):
    """Past a hard rate limit: refused, nothing published; may retry after `retry_after_s`."""

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class ProofRequired(SignupError):
    """Past a soft rate limit: the signup needs a solved proof of work (`challenge`, `bits`)."""

    def __init__(self, message: str, *, challenge: str, bits: int) -> None:
        super().__init__(message, field="proof")
        self.challenge = challenge
        self.bits = bits
