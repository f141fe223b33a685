"""A campaign's totals: now (JSON), over time (JSON), and live (Server-Sent Events).

Read-only aggregate numbers without personal data: public, like the campaign page's own
progress bar."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from counter.application.reader import STREAM_PING_S
from counter.bootstrap import CounterServices
from counter.deps import CampaignDep, ReaderDep, SlugPath
from counter.domain.history import Bucket
from counter.presentation.stream import RETRY_MS, TotalsStream, stream_for
from counter.routes.errors import NOT_FOUND, UNAVAILABLE
from counter.schemas.totals import TOTALS_EXAMPLE, HistoryOut, TotalsOut
from mobilise_runtime.dependencies import services_of

router = APIRouter(prefix="/api/v1/campaigns/{slug}", tags=["totals"])
_EVENT_EXAMPLE = (
    "event: totals\n"
    f"data: {TotalsOut.model_validate(TOTALS_EXAMPLE).model_dump_json()}\n"
    f"retry: {RETRY_MS}\n\n"
    ": ping - 2026-03-08 10:41:22.104322+00:00\n\n"
)


@router.get(
    "/totals",
    summary="A campaign's totals now",
    response_model=TotalsOut,
    responses={**NOT_FOUND, **UNAVAILABLE},
)
async def totals(slug: SlugPath, request: Request) -> Response:
    """Totals per campaign, country (ISO 3166-1), region (ISO 3166-2), UN M49 macro-region and
    partner, from one stored document: sums agree with each other. At most 250 ms old; an
    `ETag` names them (`If-None-Match`: 304 while they are the same)."""
    # Its answers are given in front of the app (presentation/totals_front.py): this route
    # answers what that one passes on (errors), and documents the route.
    services = services_of(request, CounterServices)
    campaign = await services.campaigns.get(slug)
    kept = await services.reader.kept(campaign)
    return Response(kept.json, media_type="application/json", headers={"etag": kept.etag.decode()})


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
    response_class=TotalsStream,
    status_code=200,
    responses={
        200: {
            "description": (
                "A `totals` event (data: the totals JSON, as GET …/totals) on connecting, then "
                "one per change, coalesced (at most about three a second); a comment line as "
                f"keep-alive every {STREAM_PING_S:g} s."
            ),
            "content": {"text/event-stream": {"example": _EVENT_EXAMPLE}},
        },
        **NOT_FOUND,
        **UNAVAILABLE,
    },
)
async def totals_stream(campaign: CampaignDep, reader: ReaderDep) -> TotalsStream:
    # Read before answering, so that an unknown campaign or a database down is a plain 404/503.
    # Its answers are given in front of the app (presentation/totals_front.py) but for those.
    return stream_for(reader, campaign, await reader.totals(campaign))
