"""The totals as Server-Sent Events, written by the request's own task: a viewer costs that task
alone, which waits for its client to go and is woken for each frame (sse-starlette's task group
of four tasks per stream made 10,000 viewers ~3M objects, and the garbage collector's pauses made
changes late; a second task per stream, waiting for the client, cost ~1.3 KB a viewer). Each
change's frame is encoded once for all viewers (`SseFrames`, through the broadcast)."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from counter.adapters.campaigns import Campaign
from counter.application.broadcast import Viewer
from counter.application.reader import TotalsReader
from counter.schemas.totals import TotalsOut
from mobilise_runtime.logging import get_logger

log = get_logger(__name__)
# EventSource reconnects after this many milliseconds when the connection drops.
RETRY_MS = 3000
HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-store"),
    (b"x-accel-buffering", b"no"),  # nginx would otherwise hold the events back
]


def event(data: str, *, retry_ms: int | None = None) -> bytes:
    retry = "" if retry_ms is None else f"retry: {retry_ms}\r\n"
    return f"event: totals\r\ndata: {data}\r\n{retry}\r\n".encode()


class SseFrames:
    """The broadcast's frames: a `totals` event per change, a comment as keep-alive."""

    def change(self, totals: TotalsOut) -> bytes:
        return event(totals.model_dump_json())

    def keep_alive(self) -> bytes:
        return f": ping - {datetime.now(UTC)}\r\n\r\n".encode()


def stream_for(reader: TotalsReader, campaign: Campaign, first: TotalsOut) -> TotalsStream:
    """The stream of `campaign`'s totals for a viewer that was just read `first`, as the app's
    route answers it (presentation/totals_front.py answers with `stream` itself)."""
    return TotalsStream(reader.watch(campaign, after=first), first, slug=campaign.slug)


class TotalsStream(Response):
    """`stream` as a response of the app's route (what OpenAPI documents)."""

    media_type = "text/event-stream"

    def __init__(self, viewer: Viewer, first: TotalsOut, *, slug: str) -> None:
        super().__init__(headers={"cache-control": "no-store"})
        self._viewer, self._first, self._slug = viewer, first, slug

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await stream(self._viewer, self._first, receive, send, slug=self._slug)


async def stream(
    viewer: Viewer, first: TotalsOut, receive: Receive, send: Send, *, slug: str
) -> None:
    """The `first` totals, then each change the viewer is given, and a comment at each of its
    pings (proxies close quiet connections); ends when the client goes or the server stops.
    All in the request's task, which waits for its client to go and is woken for the rest."""
    log.info("totals stream opened", slug=slug)
    try:
        await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
        await _body(send, event(first.model_dump_json(), retry_ms=RETRY_MS))
        while True:
            frame = viewer.pending() or viewer.ping_due()
            if frame is not None:
                await _body(send, frame)
                continue
            if viewer.stopping():
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            with viewer.woken():
                if (await receive())["type"] == "http.disconnect":
                    return
    finally:
        viewer.leave()
        log.info("totals stream closed", slug=slug)


async def _body(send: Send, chunk: bytes) -> None:
    await send({"type": "http.response.body", "body": chunk, "more_body": True})
