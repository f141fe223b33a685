"""The hosted campaign page as a CDN (and every browser) may keep it, so that a peak of viewers
does not reach Python on every view: `Cache-Control: public` for a short while, an ETag answered
with 304, and in this process one render per page and language every few seconds.

What makes that safe: the GET page holds nothing of its viewer — no form values or errors (those
are answers to a POST, never kept), no proof-of-work challenge (only a 428 carries one), no
cookie, no token; its language comes from the URL or Accept-Language, which it varies on. The
live number in it is the counter's as of the render; the page's script asks
/c/{slug}/progress for the current one at once and every 10 s."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from mobilise_runtime.cache import TimedCache

# Browsers and CDNs keep the page 30 s, then may serve it for a minute more while they fetch
# it again; this process renders each page at most every RENDER_EVERY_S.
PUBLIC_CACHE_CONTROL = "public, max-age=30, stale-while-revalidate=60"
RENDER_EVERY_S = 10.0
# The live number the page's script fetches: shared caches only, and briefly.
PROGRESS_CACHE_CONTROL = "public, max-age=0, s-maxage=5"
# Every page, language and query a process keeps (queries come from anyone: bounded).
MAX_PAGES = 1024
# Responses that answer one request (a form's refusal, a thank-you): no cache may keep them.
NO_STORE = {"Cache-Control": "no-store"}


@dataclass(frozen=True)
class KeptPage:
    body: bytes
    headers: Mapping[str, str]
    etag: str

    @classmethod
    def of(cls, response: HTMLResponse) -> KeptPage:
        body = bytes(response.body)
        # Weak: the same page may travel gzipped or not (RFC 9110 §8.8.3.3).
        etag = f'W/"{hashlib.blake2b(body, digest_size=12).hexdigest()}"'
        # Starlette's header names are lower case: so are ours, to replace, not add.
        headers = dict(response.headers.items())
        del headers["content-length"]
        headers.update({"cache-control": PUBLIC_CACHE_CONTROL, "etag": etag})
        return cls(body, headers, etag)

    def answer(self, request: Request) -> Response:
        if _matches(request.headers.get("if-none-match"), self.etag):
            kept = ("cache-control", "etag", "vary", "content-location", "expires")
            headers = {k: v for k, v in self.headers.items() if k in kept}
            return Response(status_code=304, headers=headers)
        return Response(self.body, status_code=200, headers=dict(self.headers))


def _matches(if_none_match: str | None, etag: str) -> bool:
    """If-None-Match's weak comparison (RFC 9110 §13.1.2): W/ prefixes are ignored."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    ours = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == ours for tag in if_none_match.split(","))


class PublicPages:
    """Rendered pages kept per (path, language, query): `render` answers None for no page
    (an unknown campaign), which is not kept."""

    def __init__(self) -> None:
        self._pages: TimedCache[tuple[str, str, str], KeptPage | None] = TimedCache(
            max_entries=MAX_PAGES
        )

    async def answer(
        self,
        request: Request,
        locale: str,
        render: Callable[[], Awaitable[HTMLResponse | None]],
    ) -> Response | None:
        async def load() -> tuple[KeptPage | None, float]:
            response = await render()
            if response is None or response.status_code != 200:
                return None, 0.0
            return KeptPage.of(response), RENDER_EVERY_S

        page = await self._pages.get((request.url.path, locale, request.url.query), load)
        return None if page is None else page.answer(request)
