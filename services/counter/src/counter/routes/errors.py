"""The one place where the read API's errors become HTTP answers: JSON `{"detail": …}`. (The
dashboard's page answers the same errors with pages of its own.)"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from counter.domain.errors import CounterError, RangeRejected, Unavailable, UnknownCampaign
from counter.schemas import ErrorOut

STATUS: dict[type[CounterError], int] = {UnknownCampaign: 404, RangeRejected: 422, Unavailable: 503}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {
        "model": ErrorOut,
        "description": "No such campaign",
        "content": {"application/json": {"example": {"detail": "no campaign 'femmes'"}}},
    }
}
UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {
        "model": ErrorOut,
        "description": "The signup service or the database does not answer (see Retry-After)",
        "headers": {
            "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}
        },
    }
}


def status_of(exc: CounterError) -> int:
    return next((code for cls, code in STATUS.items() if isinstance(exc, cls)), 400)


def install(app: FastAPI) -> None:
    @app.exception_handler(CounterError)
    async def _counter_error(_request: Request, exc: CounterError) -> JSONResponse:
        headers = {}
        if isinstance(exc, Unavailable):
            headers["Retry-After"] = str(exc.retry_after_s)
        return JSONResponse({"detail": exc.message}, status_code=status_of(exc), headers=headers)
