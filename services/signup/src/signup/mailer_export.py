"""What the mailer holds about an address, asked of its API for an access request (the only
module that talks to the mailer service). An access request answered without the mailer's part
would look complete and not be: a mailer that does not answer is a 503, try again."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from signup.domain.errors import Unavailable

TIMEOUT_S = 10.0
RETRY_AFTER_S = 5


async def mailer_holds(
    client: httpx.AsyncClient, mailer_url: str, authorization: str, email: str
) -> dict[str, Any]:
    """The mailer's answer to POST /api/v1/supporters/export, asked with the organiser's own
    bearer token (the mailer checks it with this service)."""
    url = f"{mailer_url.rstrip('/')}/api/v1/supporters/export"
    try:
        async with asyncio.timeout(TIMEOUT_S):
            response = await client.post(
                url, json={"email": email}, headers={"Authorization": authorization},
                timeout=TIMEOUT_S,
            )  # fmt: skip
    except (TimeoutError, httpx.HTTPError) as exc:
        raise _unavailable() from exc
    if response.status_code != 200:
        raise _unavailable()
    held: dict[str, Any] = response.json()
    return held


def _unavailable() -> Unavailable:
    return Unavailable(
        "the mailer service did not answer: the export would be incomplete; try again shortly",
        retry_after_s=RETRY_AFTER_S,
    )
