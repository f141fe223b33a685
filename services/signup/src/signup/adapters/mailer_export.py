"""What the mailer holds about an address, asked of its API for an access request, and the
organisers' sign-in emails (the only module that talks to the mailer service). An access
request answered without the mailer's part would look complete and not be: a mailer that does
not answer is a 503, try again."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from mobilise_runtime.errors import Unavailable

TIMEOUT_S = 10.0
RETRY_AFTER_S = 5


async def mailer_holds(
    client: httpx.AsyncClient, mailer_url: str, authorization: str, email: str
) -> dict[str, Any]:
    """The mailer's answer to POST /api/v1/supporters/export, asked with the organiser's own
    bearer token (the mailer checks it with this service)."""
    unavailable = Unavailable(
        "the mailer service did not answer: the export would be incomplete; try again shortly",
        retry_after_s=RETRY_AFTER_S,
    )
    response = await _post(
        client, f"{mailer_url.rstrip('/')}/api/v1/supporters/export", {"email": email},
        authorization, expected=200, unavailable=unavailable,
    )  # fmt: skip
    held: dict[str, Any] = response.json()
    return held


async def mail_sign_in_link(
    client: httpx.AsyncClient, mailer_url: str, admin_token: str, message: dict[str, Any]
) -> None:
    """POST /api/v1/sign-in-emails, as the admin (the link is this service's to mint)."""
    unavailable = Unavailable(
        "the sign-in email could not be sent; try again shortly", retry_after_s=RETRY_AFTER_S
    )
    await _post(
        client, f"{mailer_url.rstrip('/')}/api/v1/sign-in-emails", message,
        f"Bearer {admin_token}", expected=204, unavailable=unavailable,
    )  # fmt: skip


async def _post(
    client: httpx.AsyncClient,
    url: str,
    body: dict[str, Any],
    authorization: str,
    *,
    expected: int,
    unavailable: Unavailable,
) -> httpx.Response:
    try:
        async with asyncio.timeout(TIMEOUT_S):
            response = await client.post(
                url, json=body, headers={"Authorization": authorization}, timeout=TIMEOUT_S
            )
    except (TimeoutError, httpx.HTTPError) as exc:
        raise unavailable from exc
    if response.status_code != expected:
        raise unavailable
    return response
