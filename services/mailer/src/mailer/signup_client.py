"""The signup service, as the mailer asks it: who an organiser's token belongs to
(GET /api/v1/organisers/me) and what a campaign slug names (GET /api/v1/campaigns/{slug}).
The only module that talks to the signup service (the API and the consumer alike).

Tokens are never logged and never kept: a positive answer is kept a little while under the token's
SHA-256, so a burst of calls asks once. A signup service that does not answer is Unavailable (503,
try again), never a 401: the organiser's token may be fine."""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mailer.domain.errors import NotAuthenticated, NotFound, Unavailable
from mobilise_events import LocalisedText
from mobilise_runtime.logging import get_logger

ORGANISER_TTL_S = 30.0
MAX_ORGANISERS = 1_000
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


class Campaign(BaseModel):
    """The part of the signup service's public campaign the mailer uses."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str = Field(min_length=1)
    slug: str
    title: LocalisedText
    countries: tuple[str, ...] = ()
    closes_at: datetime | None = None


@dataclass(frozen=True)
class _Kept:
    organiser: Organiser
    until: float


class SignupClient:
    def __init__(
        self,
        client: httpx.AsyncClient,
        signup_url: str,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._base = signup_url.rstrip("/")
        self._clock = clock
        self._organisers: OrderedDict[str, _Kept] = OrderedDict()

    async def organiser(self, token: str) -> Organiser:
        """Whose token this is; NotAuthenticated if nobody's, Unavailable if signup cannot say."""
        key = hashlib.sha256(token.encode()).hexdigest()
        kept = self._organisers.get(key)
        if kept is not None and kept.until > self._clock():
            return kept.organiser
        response = await self._get("/api/v1/organisers/me", {"Authorization": f"Bearer {token}"})
        if response.status_code == 401:
            self._organisers.pop(key, None)
            raise NotAuthenticated("this token is not an organiser's token")
        organiser = self._parse(Organiser, response)
        self._organisers[key] = _Kept(organiser, self._clock() + ORGANISER_TTL_S)
        self._organisers.move_to_end(key)
        while len(self._organisers) > MAX_ORGANISERS:
            self._organisers.popitem(last=False)
        return organiser

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
