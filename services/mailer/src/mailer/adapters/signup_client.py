"""The signup service, as the mailer asks it: who an organiser's token belongs to and what they
may act on (GET /api/v1/organisers/me), and what a campaign slug names
(GET /api/v1/campaigns/{slug}). The only module that talks to the signup service (the API and the
consumer alike).

Tokens are never logged and never kept, and neither are the answers: every organiser request asks
again, so that revoking an organiser, or taking a campaign from them, holds here from the very
next request. (A cache, however short, or a revocation event, however fast, leaves a window in
which a revoked token still sends mail; one loopback call per organiser request — a few a minute —
is the cheaper price.) A signup service that does not answer is Unavailable (503, try again),
never a 401: the organiser's token may be fine."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from typing import Literal, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mobilise_events import LocalisedText
from mobilise_events.models import Locale
from mobilise_runtime.errors import NotAuthenticated, NotFound, Unavailable
from mobilise_runtime.logging import get_logger

RETRY_AFTER_S = 5
TIMEOUT_S = 5.0
# The signup service's slug rule: anything else is no campaign, and not worth a request.
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
log = get_logger(__name__)
_Answer = TypeVar("_Answer", bound=BaseModel)


class Organiser(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str = Field(min_length=1)
    name: str
    email: str
    role: Literal["admin", "organiser"]
    # The campaigns they may act on (an admin: every one, whatever this says).
    campaign_ids: frozenset[str] = frozenset()

    def may_act_on(self, campaign_id: str) -> bool:
        return self.role == "admin" or campaign_id in self.campaign_ids


class Campaign(BaseModel):
    """The part of the signup service's public campaign the mailer uses."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str = Field(min_length=1)
    slug: str
    title: dict[Locale, str]
    fallback_locale: Locale = "fr"  # a signup service from before other languages: fr and en
    countries: tuple[str, ...] = ()
    closes_at: datetime | None = None

    @property
    def localised_title(self) -> LocalisedText:
        return LocalisedText.of(self.title, self.fallback_locale)


class SignupClient:
    def __init__(self, client: httpx.AsyncClient, signup_url: str) -> None:
        self._client = client
        self._base = signup_url.rstrip("/")

    async def organiser(self, token: str) -> Organiser:
        """Whose token this is, now; NotAuthenticated if nobody's (or no longer anybody's),
        Unavailable if signup cannot say."""
        response = await self._get("/api/v1/organisers/me", {"Authorization": f"Bearer {token}"})
        if response.status_code == 401:
            raise NotAuthenticated("this token is not an organiser's token")
        return self._parse(Organiser, response)

    async def campaign(self, slug: str) -> Campaign:
        """The campaign of `slug`; NotFound if there is none."""
        if not (3 <= len(slug) <= 64 and SLUG.fullmatch(slug)):
            raise NotFound(f"no campaign {slug!r}", field="campaign")
        response = await self._get(f"/api/v1/campaigns/{quote(slug, safe='')}", {})
        if response.status_code == 404:
            raise NotFound(f"no campaign {slug!r}", field="campaign")
        return self._parse(Campaign, response)

    async def _get(self, path: str, headers: dict[str, str]) -> httpx.Response:
        try:
            # httpx's timeout bounds each phase; this bounds the whole exchange.
            async with asyncio.timeout(TIMEOUT_S):
                return await self._client.get(self._base + path, headers=headers, timeout=TIMEOUT_S)
        except (TimeoutError, httpx.HTTPError) as exc:
            log.warning("signup service unreachable", path=path, error=repr(exc))
            raise _unavailable() from exc

    @staticmethod
    def _parse(model: type[_Answer], response: httpx.Response) -> _Answer:
        if response.status_code != 200:
            log.warning(
                "signup service refused", path=response.url.path, status=response.status_code
            )
            raise _unavailable()
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            log.error("signup service sent an unexpected answer", path=response.url.path)
            raise _unavailable() from exc


def _unavailable() -> Unavailable:
    return Unavailable(
        "the signup service, which knows organisers and campaigns, does not answer: "
        "try again shortly",
        retry_after_s=RETRY_AFTER_S,
    )
