"""What the mailer's API refuses, in its own words (routes/errors.py turns them into HTTP)."""

from __future__ import annotations


class MailerError(Exception):
    """Base: the message is safe to show to whoever made the request."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotAuthenticated(MailerError):
    pass


class Forbidden(MailerError):
    """A known organiser asking for a campaign that is not one of theirs."""


class BadSignature(MailerError):
    """A webhook request that SendGrid did not sign (or not recently)."""


class NotFound(MailerError):
    pass


class Conflict(MailerError):
    """The request contradicts an earlier one (an idempotency key reused for other content)."""


class Rejected(MailerError):
    """Well-formed input that cannot be done (an event batch that is not SendGrid's shape, …)."""


class Unavailable(MailerError):
    """A dependency is down or not configured: nothing was accepted; may retry."""

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
