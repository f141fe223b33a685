"""Campaign titles, for the emails: the signup service owns campaigns, the mailer asks its public
API (GET /api/v1/campaigns/{slug}) and remembers the answer for a while."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import quote

import httpx

from mobilise_events import LocalisedText
from mobilise_runtime.logging import get_logger

log = get_logger(__name__)
KEEP_S = 300.0  # a renamed campaign shows its new title in emails within this time
ATTEMPTS = 6


class CampaignUnavailable(Exception):
    """signup did not answer: the consumer stops without committing, and reads the batch again."""


class CampaignTitles:
    def __init__(self, signup_url: str) -> None:
        self._http = httpx.AsyncClient(base_url=signup_url.rstrip("/"), timeout=5)
        self._known: dict[str, tuple[float, LocalisedText]] = {}

    async def title(self, slug: str) -> LocalisedText:
        known = self._known.get(slug)
        if known is not None and time.monotonic() - known[0] < KEEP_S:
            return known[1]
        title = await self._fetch(slug)
        self._known[slug] = (time.monotonic(), title)
        return title

    async def _fetch(self, slug: str) -> LocalisedText:
        delay = 0.5
        for _ in range(ATTEMPTS):
            try:
                response = await self._http.get(f"/api/v1/campaigns/{quote(slug, safe='')}")
                if response.status_code == 404:
                    # Deleted since: its emails still go out, under its slug.
                    return LocalisedText(fr=slug, en=slug)
                if response.status_code == 200:
                    return LocalisedText.model_validate(response.json()["title"])
                log.warning("campaign lookup failed", slug=slug, status=response.status_code)
            except httpx.TransportError as exc:
                log.warning("campaign lookup failed", slug=slug, error=str(exc))
            await asyncio.sleep(delay)
            delay = min(delay * 2, 8)
        raise CampaignUnavailable(f"signup did not give the title of campaign {slug!r}")

    async def close(self) -> None:
        await self._http.aclose()
