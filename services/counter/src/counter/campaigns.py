"""Campaigns as the signup service describes them (GET /api/v1/campaigns/{slug}, its public
contract): the only module that talks to the signup service.

Answers are kept a while (a campaign 30 s, "no such campaign" 5 s), so dashboards and the totals
API ask rarely. When the signup service does not answer, a campaign seen before is still served
from what was kept (goals and titles change rarely); one never seen is Unavailable (503)."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from counter.cache import TimedCache
from counter.domain.errors import Unavailable, UnknownCampaign
from mobilise_runtime.logging import get_logger

FOUND_TTL_S = 30.0
NOT_FOUND_TTL_S = 5.0
RETRY_AFTER_S = 5
TIMEOUT_S = 2.0
# Not-found answers are kept too, under slugs anyone can make up: the bound keeps that small.
MAX_ENTRIES = 10_000
# The signup service's slug rule: anything else is no campaign, and not worth a request.
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
log = get_logger(__name__)


@dataclass(frozen=True)
class Campaign:
    id: str
    slug: str
    kind: Literal["pledge", "volunteer"]
    title: dict[str, str]
    description: dict[str, str]
    goal: int
    countries: tuple[str, ...]
    status: str


class _CampaignIn(BaseModel):
    """The part of the signup service's public campaign that the counter uses."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1)
    slug: str
    kind: Literal["pledge", "volunteer"]
    title: dict[str, str]
    description: dict[str, str] = Field(default_factory=dict)
    goal: int = Field(ge=1)
    countries: list[str] = Field(default_factory=list)
    status: str = "open"


class CampaignDirectory:
    def __init__(
        self,
        client: httpx.AsyncClient,
        signup_url: str,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._base = signup_url.rstrip("/")
        self._cache: TimedCache[str, Campaign | None] = TimedCache(
            max_entries=MAX_ENTRIES, clock=clock
        )

    async def get(self, slug: str) -> Campaign:
        """The campaign of `slug`; UnknownCampaign if there is none, Unavailable if the signup
        service cannot say."""
        if not (3 <= len(slug) <= 64 and SLUG.fullmatch(slug)):
            raise UnknownCampaign(f"no campaign {slug!r}")
        campaign = await self._cache.get(slug, lambda: self._load(slug))
        if campaign is None:
            raise UnknownCampaign(f"no campaign {slug!r}")
        return campaign

    async def _load(self, slug: str) -> tuple[Campaign | None, float]:
        try:
            campaign = await self._fetch(slug)
        except Unavailable:
            kept = self._cache.stale(slug)
            if kept is None or kept[0] is None:
                raise
            log.warning("signup service unavailable, serving the campaign kept", slug=slug)
            return kept[0], RETRY_AFTER_S
        return campaign, FOUND_TTL_S if campaign else NOT_FOUND_TTL_S

    async def _fetch(self, slug: str) -> Campaign | None:
        url = f"{self._base}/api/v1/campaigns/{quote(slug, safe='')}"
        try:
            # httpx's timeout bounds each phase; this bounds the whole exchange.
            async with asyncio.timeout(TIMEOUT_S):
                response = await self._client.get(url, timeout=TIMEOUT_S)
        except (TimeoutError, httpx.HTTPError) as exc:
            log.warning("signup service unreachable", url=url, error=repr(exc))
            raise self._unavailable() from exc
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            log.warning("signup service refused", url=url, status=response.status_code)
            raise self._unavailable()
        try:
            found = _CampaignIn.model_validate_json(response.content)
        except ValidationError as exc:
            log.error("signup service sent an unexpected campaign", url=url, error=str(exc))
            raise self._unavailable() from exc
        return Campaign(
            id=found.id,
            slug=found.slug,
            kind=found.kind,
            title=found.title,
            description=found.description,
            goal=found.goal,
            countries=tuple(found.countries),
            status=found.status,
        )

    @staticmethod
    def _unavailable() -> Unavailable:
        return Unavailable(
            "the signup service, which describes campaigns, does not answer: try again shortly",
            retry_after_s=RETRY_AFTER_S,
        )
