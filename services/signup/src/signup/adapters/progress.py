"""A campaign's progress as the counter service tells it: the only module that talks to it.

The page never waits long for it nor fails because of it: any problem means "no progress bar"."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

TIMEOUT_S = 0.5


@dataclass(frozen=True)
class Progress:
    signed: int
    goal: int

    @property
    def percent(self) -> int:
        return min(100, self.signed * 100 // self.goal)


class _Totals(BaseModel):
    """The part of the counter's GET /api/v1/campaigns/{slug}/totals that the page shows."""

    model_config = ConfigDict(extra="ignore")

    goal: int = Field(ge=1)
    signed: int = Field(ge=0)


async def campaign_progress(
    client: httpx.AsyncClient, counter_url: str, slug: str
) -> Progress | None:
    url = f"{counter_url.rstrip('/')}/api/v1/campaigns/{quote(slug, safe='')}/totals"
    try:
        # httpx's timeout bounds each phase; this bounds the whole exchange.
        async with asyncio.timeout(TIMEOUT_S):
            response = await client.get(url, timeout=TIMEOUT_S)
    except (TimeoutError, httpx.HTTPError):
        return None
    if response.status_code != 200:
        return None
    try:
        totals = _Totals.model_validate_json(response.content)
    except ValidationError:
        return None
    return Progress(signed=totals.signed, goal=totals.goal)
