"""The signup service's public HTTP contract, as the counter and the mailer ask it: a campaign by
slug (GET /api/v1/campaigns/{slug}) and the organiser a token belongs to (GET
/api/v1/organisers/me). The only module that talks to the signup service; each service wraps it
with its own cache and errors (counter/adapters/campaigns.py, mailer/adapters/signup_client.py)."""

from __future__ import annotations

import asyncio
import re
from typing import TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from mobilise_runtime.logging import get_logger

# The signup service's slug rule: anything else is no campaign, and not worth a request.
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
log = get_logger(__name__)
Answer = TypeVar("Answer", bound=BaseModel)


def is_slug(slug: str) -> bool:
    return 3 <= len(slug) <= 64 and SLUG.fullmatch(slug) is not None


class SignupUnreachable(Exception):
    """The signup service did not answer in time, refused, or answered something unexpected."""


class SignupService:
    def __init__(self, client: httpx.AsyncClient, signup_url: str, *, timeout_s: float) -> None:
        self._client = client
        self._base = signup_url.rstrip("/")
        self._timeout_s = timeout_s

    async def campaign(self, slug: str, model: type[Answer]) -> Answer | None:
        """The campaign of `slug` as `model`, None if there is none."""
        if not is_slug(slug):
            return None
        response = await self._get(f"/api/v1/campaigns/{quote(slug, safe='')}", {})
        return None if response.status_code == 404 else _parse(model, response)

    async def organiser(self, token: str, model: type[Answer]) -> Answer | None:
        """Whose token this is, as `model`; None if nobody's. The token is never logged."""
        response = await self._get("/api/v1/organisers/me", {"Authorization": f"Bearer {token}"})
        return None if response.status_code == 401 else _parse(model, response)

    async def _get(self, path: str, headers: dict[str, str]) -> httpx.Response:
        try:
            # httpx's timeout bounds each phase; this bounds the whole exchange.
            async with asyncio.timeout(self._timeout_s):
                return await self._client.get(
                    self._base + path, headers=headers, timeout=self._timeout_s
                )
        except (TimeoutError, httpx.HTTPError) as exc:
            log.warning("signup service unreachable", path=path, error=repr(exc))
            raise SignupUnreachable(path) from exc


def _parse(model: type[Answer], response: httpx.Response) -> Answer:
    if response.status_code != 200:
        log.warning("signup service refused", path=response.url.path, status=response.status_code)
        raise SignupUnreachable(response.url.path)
    try:
        return model.model_validate_json(response.content)
    except ValidationError as exc:
        log.error("signup service sent an unexpected answer", path=response.url.path)
        raise SignupUnreachable(response.url.path) from exc
