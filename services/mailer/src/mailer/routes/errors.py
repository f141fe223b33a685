"""The one place where the mailer API's errors become HTTP responses: JSON `{"detail": …}`."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from mailer.domain.errors import (
    BadSignature,
    Conflict,
    Forbidden,
    MailerError,
    NotAuthenticated,
    NotFound,
    Rejected,
    Unavailable,
)

STATUS: dict[type[MailerError], int] = {
    NotAuthenticated: 401,
    BadSignature: 403,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    Rejected: 422,
    Unavailable: 503,
}


def error_response(exc: MailerError) -> JSONResponse:
    status = next((code for cls, code in STATUS.items() if isinstance(exc, cls)), 400)
    headers = {}
    if isinstance(exc, Unavailable):
        headers["Retry-After"] = str(exc.retry_after_s)
    if isinstance(exc, NotAuthenticated):
        headers["WWW-Authenticate"] = "Bearer"
    body: dict[str, object] = {"detail": exc.message}
    if exc.field:
        body["field"] = exc.field
    return JSONResponse(body, status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(MailerError)
    async def _mailer_error(_request: Request, exc: MailerError) -> JSONResponse:
        return error_response(exc)
