"""What the mailer's API refuses, in its own words, each with its HTTP status
(mobilise_runtime.errors answers them all as JSON)."""

from __future__ import annotations

from mobilise_runtime.errors import BearerRefused, DomainError, RetryLater


class MailerError(DomainError):
    """Base: the message is safe to show to whoever made the request."""


class NotAuthenticated(MailerError, BearerRefused):
    pass


class Forbidden(MailerError):
    """A known organiser asking for a campaign that is not one of theirs."""

    status = 403


class BadSignature(MailerError):
    """A webhook request that SendGrid did not sign (or not recently)."""

    status = 403


class NotFound(MailerError):
    status = 404


class Conflict(MailerError):
    """The request contradicts an earlier one (an idempotency key reused for other content)."""

    status = 409


class Rejected(MailerError):
    """Well-formed input that cannot be done (an event batch that is not SendGrid's shape, …)."""

    status = 422


class Unavailable(MailerError, RetryLater):
    """A dependency is down or not configured: nothing was accepted; may retry."""
