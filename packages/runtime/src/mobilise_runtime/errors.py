"""The services' domain errors and the one handler that turns them into HTTP: JSON `{"detail": …}`.

Each service subclasses `DomainError` in its own `domain/errors.py` and names a status per class;
its routes raise those, and `install` answers them all the same way. A page (a route answering
HTML) that must be retried later is answered with the service's own page instead: a supporter
reads it in their language, not as JSON."""

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


class RetryLater(DomainError):
    """A dependency is down: not accepted (though what was sent may still land); may retry."""

    status = 503

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_s)}


class BearerRefused(DomainError):
    """No valid bearer token: 401, with the challenge HTTP asks for."""

    status = 401

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": "Bearer"}


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
        if not unavailable(exc):
            raise exc
        return answer(
            request,
            RetryLater(
                "The database does not answer right now; nothing was changed. Try again shortly.",
                retry_after_s=STORE_RETRY_AFTER_S,
            ),
        )
