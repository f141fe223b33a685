"""The one place where the service's errors become HTTP responses: JSON `{"detail": …}`."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from signup.domain.errors import (
    AlreadyExists,
    Closed,
    Forbidden,
    NotAuthenticated,
    NotFound,
    NotOpenYet,
    ProofRequired,
    Rejected,
    SignupError,
    TooManyRequests,
    Unavailable,
)

STATUS: dict[type[SignupError], int] = {
    NotFound: 404,
    AlreadyExists: 409,
    NotOpenYet: 409,
    Closed: 410,
    Rejected: 422,
    NotAuthenticated: 401,
    Forbidden: 403,
    Unavailable: 503,
    TooManyRequests: 429,
    ProofRequired: 428,
}


def status_of(exc: SignupError) -> int:
    """The HTTP status of a refusal, the same for the JSON API and the pages."""
    return next((code for cls, code in STATUS.items() if isinstance(exc, cls)), 400)


def error_response(exc: SignupError) -> JSONResponse:
    status = status_of(exc)
    headers = {}
    if isinstance(exc, Unavailable | TooManyRequests):
        headers["Retry-After"] = str(exc.retry_after_s)
    if isinstance(exc, NotAuthenticated):
        headers["WWW-Authenticate"] = "Bearer"
    body: dict[str, object] = {"detail": exc.message}
    if exc.field:
        body["field"] = exc.field
    if isinstance(exc, ProofRequired):
        body["challenge"] = {"token": exc.challenge, "bits": exc.bits}
    return JSONResponse(body, status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(SignupError)
    async def _signup_error(_request: Request, exc: SignupError) -> JSONResponse:
        return error_response(exc)
