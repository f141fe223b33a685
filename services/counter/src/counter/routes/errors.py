"""How the read API's errors (counter.domain.errors) are described in its OpenAPI document."""

from __future__ import annotations

from typing import Any

from counter.schemas.totals import ErrorOut

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
