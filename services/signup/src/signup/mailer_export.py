"""What the mailer holds about an address, asked of its API for an access request, and the
organisers' sign-in emails (the only module that talks to the mailer service). An access
request answered without the mailer's part would look complete and not be: a mailer that does
not answer is a 503, try again."""

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


async def mail_sign_in_link(
    client: httpx.AsyncClient, mailer_url: str, admin_token: str, message: dict[str, Any]
) -> None:
    """POST /api/v1/sign-in-emails, as the admin (the link is this service's to mint)."""
    url = f"{mailer_url.rstrip('/')}/api/v1/sign-in-emails"
    try:
        async with asyncio.timeout(TIMEOUT_S):
            response = await client.post(
                url, json=message, headers={"Authorization": f"Bearer {admin_token}"},
                timeout=TIMEOUT_S,
            )  # fmt: skip
    except (TimeoutError, httpx.HTTPError) as exc:
        raise _sign_in_unavailable() from exc
    if response.status_code != 204:
        raise _sign_in_unavailable()


def _sign_in_unavailable() -> Unavailable:
    return Unavailable(
        "the sign-in email could not be sent; try again shortly", retry_after_s=RETRY_AFTER_S
    )
