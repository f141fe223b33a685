"""Dev only (MAILER_DEV_OUTBOX): what the local SendGrid stand-in received, newest first, as the
recipients would see it. Reads the stand-in's GET /_standin/messages; 404 when not enabled."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import httpx
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from mailer.deps import ServicesDep
from mobilise_runtime.errors import NotFound, Unavailable
from mobilise_runtime.logging import get_logger
from mobilise_runtime.pages import page_templates

router = APIRouter(tags=["dev"])
PAGES_DIR = Path(__file__).parent.parent / "pages"
TIMEOUT_S = 5.0
RETRY_AFTER_S = 5
# The previews are emails' HTML: framed with `sandbox` (no scripts, no forms, an opaque origin),
# and this policy, which the frames inherit, loads nothing from anywhere.
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
_templates = page_templates(PAGES_DIR)
log = get_logger(__name__)


@router.get("/outbox", include_in_schema=False)
async def outbox(
    request: Request,
    services: ServicesDep,
    limit: int = Query(default=50, ge=1, le=500),
    format: Literal["html", "json"] = "html",
) -> Response:
    settings = services.settings
    if not settings.dev_outbox:
        raise NotFound("not found")
    messages = await _received(services.http, settings.sendgrid_host, limit)
    if format == "json":
        return JSONResponse(messages, headers={"Cache-Control": "no-store"})
    return _templates.TemplateResponse(
        request,
        "outbox.html",
        {
            "messages": [_shown(m) for m in messages],
            "standin": settings.sendgrid_host,
            "limit": limit,
        },
        headers=HEADERS,
    )


def _shown(message: dict[str, Any]) -> dict[str, Any]:
    """One message as the page shows it, every field present (the stand-in's own shape)."""
    sender = message.get("from") or {}
    received_at = message.get("received_at")
    return {
        "subject": message.get("subject") or "(no subject)",
        "to": ", ".join(str(a) for a in message.get("to") or []),
        "sender": f"{sender.get('name') or ''} <{sender.get('email') or ''}>".strip(),
        "received": datetime.fromtimestamp(received_at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        if isinstance(received_at, int | float)
        else "?",
        "message_id": message.get("message_id") or "",
        "headers": dict(message.get("headers") or {}),
        "custom_args": dict(message.get("custom_args") or {}),
        "text": message.get("text") or "",
        "html": message.get("html") or "",
    }


async def _received(http: httpx.AsyncClient, standin: str, limit: int) -> list[dict[str, Any]]:
    url = f"{standin.rstrip('/')}/_standin/messages"
    try:
        response = await http.get(url, params={"limit": limit}, timeout=TIMEOUT_S)
        response.raise_for_status()
        messages = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        log.warning("sendgrid stand-in unreachable", url=url, error=repr(exc))
        raise Unavailable(
            f"the SendGrid stand-in ({standin}) does not answer: is `make run` running?",
            retry_after_s=RETRY_AFTER_S,
        ) from exc
    if not isinstance(messages, list):
        raise Unavailable(f"{url} did not answer with a list", retry_after_s=RETRY_AFTER_S)
    return [m for m in messages if isinstance(m, dict)]
