"""The signup service, as the mailer asks it (through mobilise_runtime.signup_service): who an
organiser's token belongs to and what a campaign slug names. Used by the API and the consumer.

Tokens are never logged and never kept: a positive answer is kept a little while under the token's
SHA-256 (a bounded number of them), so a burst of calls asks once. A signup service that does not
answer is Unavailable (503, try again), never a 401: the organiser's token may be fine."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

import httpx
from pydantic import BaseModel, ConfigDict, Field

from mailer.domain.errors import NotAuthenticated, NotFound, Unavailable
from mobilise_events import LocalisedText
from mobilise_runtime.cache import TimedCache
from mobilise_runtime.signup_service import SignupService, SignupUnreachable

ORGANISER_TTL_S = 30.0
MAX_ORGANISERS = 1_000
RETRY_AFTER_S = 5
TIMEOUT_S = 5.0


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


class SignupClient:
    def __init__(
        self,
        client: httpx.AsyncClient,
        signup_url: str,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._signup = SignupService(client, signup_url, timeout_s=TIMEOUT_S)
        self._organisers: TimedCache[str, Organiser] = TimedCache(
            max_entries=MAX_ORGANISERS, clock=clock
        )

    async def organiser(self, token: str) -> Organiser:
        """Whose token this is; NotAuthenticated if nobody's, Unavailable if signup cannot say."""

        async def load() -> tuple[Organiser, float]:
            try:
                found = await self._signup.organiser(token, Organiser)
            except SignupUnreachable as exc:
                raise _unavailable() from exc
            if found is None:
                raise NotAuthenticated("this token is not an organiser's token")
            return found, ORGANISER_TTL_S

        return await self._organisers.get(hashlib.sha256(token.encode()).hexdigest(), load)

    async def campaign(self, slug: str) -> Campaign:
        """The campaign of `slug`; NotFound if there is none."""
        try:
            found = await self._signup.campaign(slug, Campaign)
        except SignupUnreachable as exc:
            raise _unavailable() from exc
        if found is None:
            raise NotFound(f"no campaign {slug!r}", field="campaign")
        return found


def _unavailable() -> Unavailable:
    return Unavailable(
        "the signup service, which knows organisers and campaigns, does not answer: "
        "try again shortly",
        retry_after_s=RETRY_AFTER_S,
    )
