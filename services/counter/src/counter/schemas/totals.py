"""The read API's answers (DESIGN.md's public contract), with the examples /docs shows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from counter.domain.history import Bucket
from mobilise_runtime.openapi import with_example

_COUNTS = {"signed": 18432, "confirmed": 15210, "volunteers": 0}
TOTALS_EXAMPLE: dict[str, Any] = {
    "slug": "femmes-du-numerique",
    "goal": 50000,
    **_COUNTS,
    "by_country": {
        "FR": {"signed": 12001, "confirmed": 9876, "volunteers": 0},
        "SN": {"signed": 6431, "confirmed": 5334, "volunteers": 0},
    },
    "by_region": {"FR-IDF": {"signed": 4120, "confirmed": 3511, "volunteers": 0}},
    "by_macro_region": {
        "Europe": {"signed": 12001, "confirmed": 9876, "volunteers": 0},
        "Africa": {"signed": 6431, "confirmed": 5334, "volunteers": 0},
    },
    "by_partner": {"asso-dakar": {"signed": 2210, "confirmed": 1980, "volunteers": 0}},
    "updated_at": "2026-03-08T10:41:07.512000Z",
}
HISTORY_EXAMPLE: dict[str, Any] = {
    "slug": "femmes-du-numerique",
    "bucket": "minute",
    "points": [
        {"t": "2026-03-08T10:40:00Z", "signed": 12, "confirmed": 9, "volunteers": 0},
        {"t": "2026-03-08T10:41:00Z", "signed": 0, "confirmed": 2, "volunteers": 0},
    ],
}


class CountsOut(BaseModel):
    signed: int = 0
    confirmed: int = 0
    volunteers: int = 0


class TotalsOut(BaseModel):
    """A campaign's totals, all read at once from one document: every sum agrees with the
    others. `updated_at` is null until the first signup is counted."""

    model_config = with_example(TOTALS_EXAMPLE)

    slug: str
    goal: int
    signed: int
    confirmed: int
    volunteers: int
    by_country: dict[str, CountsOut] = Field(description="ISO 3166-1 alpha-2 country → counts")
    by_region: dict[str, CountsOut] = Field(description="ISO 3166-2 subdivision → counts")
    by_macro_region: dict[str, CountsOut] = Field(
        description="UN M49 region (Africa, Americas, Asia, Europe, Oceania) → counts"
    )
    by_partner: dict[str, CountsOut] = Field(description="partner key → counts")
    updated_at: datetime | None


class Point(BaseModel):
    t: datetime = Field(description="start of the bucket (UTC)")
    signed: int
    confirmed: int
    volunteers: int


class HistoryOut(BaseModel):
    """Signups per bucket of signup time (not cumulative), one point per bucket, zeros
    included, in time order."""

    model_config = with_example(HISTORY_EXAMPLE)

    slug: str
    bucket: Bucket
    points: list[Point]


class ErrorOut(BaseModel):
    detail: str
