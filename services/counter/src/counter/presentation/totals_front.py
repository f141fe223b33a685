"""`GET …/totals` and `GET …/totals/stream` answered in front of the app: every open dashboard and
live page asks these two, so their answers skip FastAPI and Starlette entirely (routing,
dependencies, middleware: each a coroutine per request and per event sent, and the frames a
request holds for as long as it lasts: a stream, for hours). The process serves this front, with
the app behind it (entrypoints/api.py). The totals are the bytes kept per read (`Kept`: their
JSON, that gzipped, an entity tag, so a repeat is a 304); a stream is written straight to the
server.

Only answers that are sure to succeed are given here: an unknown campaign, the signup service
or the store not answering, anything that raises before the first byte, goes on to the app,
whose routes (routes/totals.py, also what OpenAPI documents) answer the same request with the
same error as ever. Requests are counted in the same metrics as the app's."""

from __future__ import annotations

import time
from collections.abc import Awaitable

from starlette.types import ASGIApp, Receive, Scope, Send

from counter.bootstrap import CounterServices
from counter.presentation.stream import stream
from mobilise_runtime.compression import MINIMUM_BYTES
from mobilise_runtime.metrics import RequestSeries

PREFIX = "/api/v1/campaigns/"
TOTALS_ROUTE = PREFIX + "{slug}/totals"
STREAM_ROUTE = PREFIX + "{slug}/totals/stream"


class TotalsFront:
    def __init__(self, app: ASGIApp, *, services: CounterServices, service: str) -> None:
        self.app = app
        self._services = services
        self._requests = RequestSeries(service)

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        """The coroutine that answers: chosen by a plain function, not awaited in a frame of its
        own, because a stream keeps every frame of its chain for as long as it lasts, once per
        viewer (served as ASGI 3: mobilise_runtime.serve)."""
        if scope["type"] == "http" and scope["method"] == "GET":
            path: str = scope["path"]
            if path.startswith(PREFIX):
                slug, _, rest = path[len(PREFIX) :].partition("/")
                if rest == "totals":
                    return self._totals(scope, receive, send, slug)
                if rest == "totals/stream":
                    return self._stream(scope, receive, send, slug)
        return self.app(scope, receive, send)

    async def _totals(self, scope: Scope, receive: Receive, send: Send, slug: str) -> None:
        started = time.perf_counter()
        try:
            campaign = await self._services.campaigns.get(slug)
            kept = await self._services.reader.kept(campaign)
            gzipped = len(kept.json) >= MINIMUM_BYTES and _accepts_gzip(scope)
            body = kept.gzipped if gzipped else kept.json
        except Exception:  # answered by the app, as every error of this route always was
            await self.app(scope, receive, send)
            return
        etag = kept.etag[:-1] + b'-gzip"' if gzipped else kept.etag
        headers = [(b"etag", etag), (b"vary", b"Accept-Encoding")]
        if _matches(scope, etag):
            status, body = 304, b""
        else:
            status = 200
            headers += [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ]
            if gzipped:
                headers.append((b"content-encoding", b"gzip"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        self._requests.record("GET", TOTALS_ROUTE, status, started)

    async def _stream(self, scope: Scope, receive: Receive, send: Send, slug: str) -> None:
        started = time.perf_counter()
        reader = self._services.reader
        try:
            campaign = await self._services.campaigns.get(slug)
            first = await reader.totals(campaign)
        except Exception:  # answered by the app (404, 503), as every error of this route was
            await self.app(scope, receive, send)
            return
        try:
            await stream(reader.watch(campaign, after=first), first, receive, send, slug=slug)
        finally:
            self._requests.record("GET", STREAM_ROUTE, 200, started)


def _header(scope: Scope, name: bytes) -> bytes:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return b""


def _accepts_gzip(scope: Scope) -> bool:
    # The same test as Starlette's GZipMiddleware, which compresses the app's other answers.
    return b"gzip" in _header(scope, b"accept-encoding")


def _matches(scope: Scope, etag: bytes) -> bool:
    """Whether If-None-Match names `etag` (weakly compared, as RFC 9110 asks of a GET)."""
    wanted = _header(scope, b"if-none-match")
    if not wanted:
        return False
    tags = {tag.strip().removeprefix(b"W/") for tag in wanted.split(b",")}
    return etag in tags or b"*" in tags
