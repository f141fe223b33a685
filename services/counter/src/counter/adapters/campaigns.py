"""Campaigns as the signup service describes them (GET /api/v1/campaigns/{slug}, its public
contract), through mobilise_runtime.signup_service.

Answers are kept a while (a campaign 30 s, "no such campaign" 5 s), so dashboards and the totals
API ask rarely. When the signup service does not answer, a campaign seen before is still served
from what was kept (goals and titles change rarely); one never seen is Unavailable (503)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field

from counter.domain.errors import Unavailable, UnknownCampaign
from mobilise_runtime.cache import TimedCache
from mobilise_runtime.locales import Shown, shown
from mobilise_runtime.logging import get_logger
from mobilise_runtime.signup_service import SignupService, SignupUnreachable, is_slug

FOUND_TTL_S = 30.0
NOT_FOUND_TTL_S = 5.0
RETRY_AFTER_S = 5
TIMEOUT_S = 2.0
# Not-found answers are kept too, under slugs anyone can make up: the bound keeps that small.
MAX_ENTRIES = 10_000
log = get_logger(__name__)


class Campaign(BaseModel):
    """The part of the signup service's public campaign that the counter uses."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str = Field(min_length=1)
    slug: str
    kind: Literal["pledge", "volunteer"]
    title: dict[str, str]
    description: dict[str, str] = Field(default_factory=dict)
    goal: int = Field(ge=1)
    countries: tuple[str, ...] = ()
    status: str = "open"
    fallback_locale: str = "fr"  # a signup service from before other languages: fr and en

    def shown_title(self, locale: str) -> Shown:
        """The title in `locale`, or in the campaign's fallback language; the slug if none."""
        title = shown(self.title, locale, self.fallback_locale)
        return title if title else Shown(self.slug, locale)


class CampaignDirectory:
    def __init__(
        self,
        client: httpx.AsyncClient,
        signup_url: str,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._signup = SignupService(client, signup_url, timeout_s=TIMEOUT_S)
        self._cache: TimedCache[str, Campaign | None] = TimedCache(
            max_entries=MAX_ENTRIES, clock=clock
        )

    async def get(self, slug: str) -> Campaign:
        """The campaign of `slug`; UnknownCampaign if there is none, Unavailable if the signup
        service cannot say."""
        if not is_slug(slug):
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
        try:
            return await self._signup.campaign(slug, Campaign)
        except SignupUnreachable as exc:
            raise self._unavailable() from exc

    @staticmethod
    def _unavailable() -> Unavailable:
        return Unavailable(
            "the signup service, which describes campaigns, does not answer: try again shortly",
            retry_after_s=RETRY_AFTER_S,
        )
