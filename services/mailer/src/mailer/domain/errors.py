"""What only the mailer refuses, with its HTTP status; the refusals every service makes
(NotFound, Forbidden, Rejected, Unavailable, …) are mobilise_runtime.errors';
mobilise_runtime.error_responses answers them all as JSON."""

from __future__ import annotations

from mobilise_runtime.errors import DomainError


class BadSignature(DomainError):
    """A webhook request that SendGrid did not sign (or not recently)."""

    status = 403
