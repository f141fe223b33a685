"""Campaign titles, for the emails: the consumer asks the signup service (adapters/signup_client.py)
and remembers the answer for a while."""

from __future__ import annotations

import asyncio
import time

from mailer.adapters.signup_client import SignupClient
from mobilise_events import LocalisedText
from mobilise_runtime.errors import NotFound, Unavailable
from mobilise_runtime.logging import get_logger

log = get_logger(__name__)
KEEP_S = 300.0  # a renamed campaign shows its new title in emails within this time
ATTEMPTS = 6


class CampaignUnavailable(Exception):
    """signup did not answer (its store may be down): the consumer waits, its batch uncommitted,
    and applies it again (entrypoints/consumer.py)."""


class CampaignTitles:
    def __init__(self, signup: SignupClient) -> None:
        self._signup = signup
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
                return (await self._signup.campaign(slug)).localised_title
            except NotFound:
                # Deleted since: its emails still go out, under its slug.
                return LocalisedText(fr=slug, en=slug)
            except Unavailable:
                log.warning("campaign lookup failed", slug=slug)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 8)
        raise CampaignUnavailable(f"signup did not give the title of campaign {slug!r}")
