"""A campaign's totals: now (JSON), over time (JSON), and live (Server-Sent Events).

Read-only aggregate numbers without personal data: public, like the campaign page's own
progress bar."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query, Response
from sse_starlette import EventSourceResponse, ServerSentEvent

from counter.campaigns import Campaign
from counter.deps import CampaignDep, ReaderDep
from counter.domain.history import Bucket
from counter.reader import TotalsReader
from counter.routes.errors import NOT_FOUND, UNAVAILABLE
from counter.schemas import TOTALS_EXAMPLE, HistoryOut, TotalsOut
from mobilise_runtime.logging import get_logger

router = APIRouter(prefix="/api/v1/campaigns/{slug}", tags=["totals"])
# How often a stream proves it is alive to proxies that close quiet connections.
STREAM_PING_S = 15
# Time a stream has, on shutdown, to end by itself (a poll interval is enough) before it is cut.
STREAM_SHUTDOWN_GRACE_S = 1.0
# EventSource reconnects after this many milliseconds when the connection drops.
STREAM_RETRY_MS = 3000
log = get_logger(__name__)

_EVENT_EXAMPLE = (
    "event: totals\n"
    f"data: {TotalsOut.model_validate(TOTALS_EXAMPLE).model_dump_json()}\n"
    "retry: 3000\n\n"
    ": ping - 2026-03-08 10:41:22.104322+00:00\n\n"
)


@router.get(
    "/totals",
    summary="A campaign's totals now",
    response_model=TotalsOut,
    responses={**NOT_FOUND, **UNAVAILABLE},
)
async def totals(campaign: CampaignDep, reader: ReaderDep) -> Response:
    """Totals per campaign, country (ISO 3166-1), region (ISO 3166-2), UN M49 macro-region and
    partner, from one stored document: sums agree with each other. At most 250 ms old."""
    # Encoded once per read of the store for every request (live pages poll it).
    return Response(await reader.totals_json(campaign), media_type="application/json")


@router.get(
    "/history",
    summary="A campaign's signups over time",
    responses={
        **NOT_FOUND,
        **UNAVAILABLE,
        422: {"description": "Reversed range, or longer than 24 h (minute) or 7 days (hour)"},
    },
)
async def history(
    campaign: CampaignDep,
    reader: ReaderDep,
    bucket: Annotated[Bucket, Query(description="Width of each point")] = "minute",
    since: Annotated[
        datetime | None,
        Query(
            description="ISO 8601 (UTC if no offset); default: 60 min (minute) or 24 h (hour) "
            "before `until`"
        ),
    ] = None,
    until: Annotated[
        datetime | None, Query(description="ISO 8601 (UTC if no offset), excluded; default: now")
    ] = None,
) -> HistoryOut:
    """Signups, confirmations and volunteers per minute or hour of signup time (not
    cumulative), zero-filled, in time order, over [since, until): at most 24 hours by minute,
    7 days by hour."""
    return await reader.history(campaign, bucket, since, until)


@router.get(
    "/totals/stream",
    summary="A campaign's totals, live (Server-Sent Events)",
    response_class=EventSourceResponse,
    responses={
        200: {
            "description": (
                "A `totals` event (data: the totals JSON, as GET …/totals) on connecting, then "
                "one per change, coalesced (at most about three a second); a comment line as "
                f"keep-alive every {STREAM_PING_S} s."
            ),
            "content": {"text/event-stream": {"example": _EVENT_EXAMPLE}},
        },
        **NOT_FOUND,
        **UNAVAILABLE,
    },
)
async def totals_stream(campaign: CampaignDep, reader: ReaderDep) -> EventSourceResponse:
    # Read before answering, so that an unknown campaign or a database down is a plain 404/503.
    first = await reader.totals(campaign)
    # sse-starlette runs the generator in the response's own task group and cancels it when the
    # client goes. On shutdown (it watches uvicorn's exit flag) it sets `shutdown` first, and the
    # generator returns: the stream ends cleanly, and EventSource reconnects elsewhere.
    shutdown = anyio.Event()
    return EventSourceResponse(
        _events(reader, campaign, first, shutdown),
        ping=STREAM_PING_S,
        shutdown_event=shutdown,
        shutdown_grace_period=STREAM_SHUTDOWN_GRACE_S,
    )


async def _events(
    reader: TotalsReader, campaign: Campaign, first: TotalsOut, shutdown: anyio.Event
) -> AsyncIterator[ServerSentEvent]:
    log.info("totals stream opened", slug=campaign.slug)
    try:
        yield _event(first, retry=STREAM_RETRY_MS)
        async for changed in reader.changes(campaign, after=first, stopping=shutdown.is_set):
            yield ServerSentEvent(data=changed, event="totals")
    finally:
        log.info("totals stream closed", slug=campaign.slug)


def _event(totals: TotalsOut, **fields: Any) -> ServerSentEvent:
    return ServerSentEvent(data=totals.model_dump_json(), event="totals", **fields)
