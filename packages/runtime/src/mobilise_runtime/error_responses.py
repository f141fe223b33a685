"""The HTTP side of the domain errors (mobilise_runtime.errors): the one handler that turns
them into JSON `{"detail": …}`, and what routes declare they may answer (FastAPI's `responses=`).
A page (a route answering HTML) that must be retried later is answered with the service's own
page instead: a supporter reads it in their language, not as JSON. Only the APIs import this
module (it loads FastAPI); the consumers and workers raise the errors without it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.routing import APIRoute
from pymongo.errors import PyMongoError

from mobilise_runtime.errors import (
    STORE_RETRY_AFTER_S,
    UNAUTHENTICATED,
    DomainError,
    RetryLater,
    Unavailable,
)
from mobilise_runtime.store_outage import unavailable

# What a route documents it may answer besides success: FastAPI's `responses=`.
Responses = dict[int | str, dict[str, Any]]


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
    error as it is, a store not answering as a 503 the client may retry, like Kafka not acking
    (any other database error is a fault, a 500)."""
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
        refused = refusal(exc)
        if refused is None:
            raise exc
        return answer(request, refused)
