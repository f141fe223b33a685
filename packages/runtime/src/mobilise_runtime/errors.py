"""The services' domain errors and the one handler that turns them into HTTP: JSON `{"detail": …}`.

The refusals every service makes (no token, not yours, no such thing, a contradiction, input
refused, a dependency down) are written here once; a service's `domain/errors.py` adds only its
own, each naming its status. Code raises either, and `install` answers them all the same way. A
page (a route answering HTML) that must be retried later is answered with the service's own page
instead: a supporter reads it in their language, not as JSON."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.routing import APIRoute
from pymongo.errors import PyMongoError

from mobilise_runtime.store_outage import unavailable

# What a route documents it may answer besides success: FastAPI's `responses=`.
Responses = dict[int | str, dict[str, Any]]
# How long a client is told to wait when the store does not answer (FerretDB or MongoDB
# restarting): about what a restart takes.
STORE_RETRY_AFTER_S = 5
# The 401 of every route that needs an organiser's (or the admin) token.
UNAUTHENTICATED = "No or unknown organiser token"


def described(answers: Mapping[int, str]) -> Responses:
    """`responses=` for the error statuses a route may answer, each with what it means there
    (the body is always `{"detail": …}`, as `install` writes it)."""
    return {status: {"description": text} for status, text in answers.items()}


# What the routes for any organiser answer besides their own errors.
ORGANISER_ONLY = described({401: UNAUTHENTICATED})
# What the routes for the organisers of one campaign (the one the path or body names) answer.
CAMPAIGN_ORGANISER = described(
    {401: UNAUTHENTICATED, 403: "Not one of this organiser's campaigns", 404: "No such campaign"}
)


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


# A service's 503 page, in the request's language, saying to come back after so many seconds
# (with the Retry-After header).
UnavailablePage = Callable[[Request, int], Response]


def error_response(exc: DomainError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers())


def is_page(request: Request) -> bool:
    """Whether the request went to a route that answers HTML (`response_class=HTMLResponse`)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return False
    # Left unset, response_class is FastAPI's placeholder of the app's default (JSON).
    answers = getattr(route.response_class, "value", route.response_class)
    return isinstance(answers, type) and issubclass(answers, HTMLResponse)


def refusal(exc: Exception) -> DomainError | None:
    """What `exc` answers a request with, when it is a refusal and not a fault of ours: a domain
    error as it is, a store not answering as a 503 the client may retry (any other database
    error is a fault, a 500)."""
    if isinstance(exc, DomainError):
        return exc
    if isinstance(exc, PyMongoError) and unavailable(exc):
        return Unavailable(
            "The database does not answer right now; nothing was changed. Try again shortly.",
            retry_after_s=STORE_RETRY_AFTER_S,
        )
    return None


def install(app: FastAPI, *, unavailable_page: UnavailablePage | None = None) -> None:
    def answer(request: Request, exc: DomainError) -> Response:
        if isinstance(exc, RetryLater) and unavailable_page is not None and is_page(request):
            return unavailable_page(request, exc.retry_after_s)
        return error_response(exc)

    @app.exception_handler(DomainError)
    async def _domain_error(request: Request, exc: DomainError) -> Response:
        return answer(request, exc)

    @app.exception_handler(PyMongoError)
    async def _store_error(request: Request, exc: PyMongoError) -> Response:
        # A store that does not answer is a 503 the client may retry, like Kafka not acking;
        # any other database error is a fault of ours, and stays a 500.
        refused = refusal(exc)
        if refused is None:
            raise exc
        return answer(request, refused)
