"""CORS for the widget: a partner's page (another origin) may call the few endpoints widget.js
uses, and only from the origins that partner registered.

Every cross-origin call names its partner in the query (`?partner=KEY`): a preflight carries no
body, so that is the only place it can be read. A registered origin gets its own origin back in
Access-Control-Allow-Origin (never `*`, never credentials) with `Vary: Origin`; anything else is
refused with a 403 JSON `detail` before the route runs, so nothing changes."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mobilise_runtime.errors import NotFound
from signup.repository import Repository

# The endpoints widget.js calls: its configuration, the signup itself, the progress counter.
WIDGET_PATHS = re.compile(
    r"^/api/v1/campaigns/(?P<api>[^/]+)/(?:widget|pledges|volunteers)$|^/c/(?P<page>[^/]+)/progress$"
)
ALLOW_METHODS = "GET, POST"
ALLOW_HEADERS = "Content-Type"
PREFLIGHT_MAX_AGE_S = "600"


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def same_origin(origin: str, host: str, own_origin: str) -> bool:
    """Whether a call with this Origin is the service's own: its pages (campaign.js) post with
    their own Origin, whichever name the browser reached it by."""
    origin = origin.lower()
    return origin == own_origin or urlsplit(origin).netloc == host.lower()


class PartnerCors:
    def __init__(self, app: ASGIApp, *, repository: Repository, public_url: str) -> None:
        self.app = app
        self.repository = repository
        self.own_origin = origin_of(public_url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = WIDGET_PATHS.match(scope["path"]) if scope["type"] == "http" else None
        if match is None:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        origin = headers.get("origin")
        if origin is None or same_origin(origin, headers.get("host", ""), self.own_origin):
            await self.app(scope, receive, _with_headers(send, {"Vary": "Origin"}))
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        key = query.get("partner", [""])[0]
        refusal = await self._refusal(origin, key, match["api"] or match["page"])
        preflight = scope["method"] == "OPTIONS" and "access-control-request-method" in headers
        if refusal is not None:
            await _refuse(send, refusal)
            return
        allowed = {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
        if preflight:
            await _respond(
                send,
                204,
                b"",
                {
                    **allowed,
                    "Access-Control-Allow-Methods": ALLOW_METHODS,
                    "Access-Control-Allow-Headers": ALLOW_HEADERS,
                    "Access-Control-Max-Age": PREFLIGHT_MAX_AGE_S,
                },
            )
            return
        await self.app(scope, receive, _with_headers(send, allowed))

    async def _refusal(self, origin: str, key: str, slug: str) -> str | None:
        if not key:
            return (
                "cross-origin calls need ?partner=<key> of a partner that registered this "
                "origin (POST /api/v1/partners)"
            )
        partner = await self.repository.partners.get_cached(key)
        if partner is None:
            return f"no partner {key!r}"
        if origin.lower() not in partner.origins:
            return f"the origin {origin} is not registered for partner {key!r}"
        try:
            campaign = await self.repository.campaigns.by_slug_cached(slug)
        except NotFound:
            return None  # the route answers its own 404, readable by the partner's page
        if campaign.id not in partner.campaign_ids:
            return f"{key!r} is not a partner of campaign {slug!r}"
        return None


def _with_headers(send: Send, extra: dict[str, str]) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            for name, value in extra.items():
                if name == "Vary":
                    headers.add_vary_header(value)
                else:
                    headers[name] = value
        await send(message)

    return sending


async def _refuse(send: Send, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await _respond(send, 403, body, {"Content-Type": "application/json", "Vary": "Origin"})


async def _respond(send: Send, status: int, body: bytes, headers: dict[str, str]) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        }
    )
    await send({"type": "http.response.body", "body": body})
