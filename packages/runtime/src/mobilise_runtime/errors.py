"""The services' domain errors, each naming the HTTP status it is answered with.

The refusals every service makes (no token, not yours, no such thing, a contradiction, input
refused, a dependency down) are written here once; a service's `domain/errors.py` adds only its
own, each naming its status. This module imports no web framework: the consumers, workers and
CLIs raise and catch these too, and must not load FastAPI to do so. The one handler that turns
them into HTTP (`{"detail": …}`), and the routes' `responses=` tables, are
`mobilise_runtime.error_responses`, which only the APIs import."""

from __future__ import annotations

from typing import ClassVar

# How long a client is told to wait when the store does not answer (FerretDB or MongoDB
# restarting): about what a restart takes.
STORE_RETRY_AFTER_S = 5
# The 401 of every route that needs an organiser's (or the admin) token.
UNAUTHENTICATED = "No or unknown organiser token"


class DomainError(Exception):
    """Base: the message is safe to show to whoever made the request."""

    status: ClassVar[int] = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def headers(self) -> dict[str, str]:
        return {}

    def body(self) -> dict[str, object]:
        body: dict[str, object] = {"detail": self.message}
        if self.field:
            body["field"] = self.field
        return body


class NotAuthenticated(DomainError):
    """No valid bearer token: 401, with the challenge HTTP asks for."""

    status = 401

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": "Bearer"}


class Forbidden(DomainError):
    """A known caller asking for what their role or campaigns do not cover."""

    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """The request contradicts what is there already (a key taken, an earlier request)."""

    status = 409


class Rejected(DomainError):
    """Well-formed input that the rules refuse (a country the campaign does not cover, …)."""

    status = 422


class RetryLater(DomainError):
    """Not accepted now (though what was sent may still land); may retry after `retry_after_s`."""

    status = 503

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_s)}


class Unavailable(RetryLater):
    """A dependency (Kafka, the database, another service) is down or not configured."""
