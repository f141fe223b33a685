"""The signup service, as the mailer asks it: who an organiser's token belongs to and what they
may act on (GET /api/v1/organisers/me), and what a campaign slug names
(GET /api/v1/campaigns/{slug}). The mailer's only way to the signup service (the API and the
consumer alike), over mobilise_runtime.signup_service.

Tokens are never logged and never kept, and neither are the answers: every organiser request asks
again, so that revoking an organiser, or taking a campaign from them, holds here from the very
next request. (A cache, however short, or a revocation event, however fast, leaves a window in
which a revoked token still sends mail; one loopback call per organiser request — a few a minute —
is the cheaper price.) A signup service that does not answer is Unavailable (503, try again),
never a 401: the organiser's token may be fine."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field

from mobilise_events import LocalisedText
from mobilise_events.models import Locale
from mobilise_runtime.errors import NotAuthenticated, NotFound, Unavailable
from mobilise_runtime.signup_service import SignupService, SignupUnreachable

RETRY_AFTER_S = 5
TIMEOUT_S = 5.0


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
        self._signup = SignupService(client, signup_url, timeout_s=TIMEOUT_S)

    async def organiser(self, token: str) -> Organiser:
        """Whose token this is, now; NotAuthenticated if nobody's (or no longer anybody's),
        Unavailable if signup cannot say."""
        try:
            found = await self._signup.organiser(token, Organiser)
        except SignupUnreachable as exc:
            raise _unavailable() from exc
        if found is None:
            raise NotAuthenticated("this token is not an organiser's token")
        return found

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
