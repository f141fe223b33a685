"""Totals and history as the API, the stream and the dashboard show them.

Many dashboards poll the same campaign: a campaign's totals are read from MongoDB at most once per
TOTALS_MAX_AGE_S whoever asks (and the latest history, once per HISTORY_MAX_AGE_S), however many
requests and streams want them."""

from __future__ import annotations

import functools
import gzip
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from counter.adapters.campaigns import Campaign
from counter.application.broadcast import Broadcast, Frames, Viewer
from counter.domain.history import Bucket, Window, points, window
from counter.domain.totals_document import DIMENSIONS, HOUR, MINUTES, UPDATED_AT, Counts
from counter.repository import TotalsQueries
from counter.schemas.totals import CountsOut, HistoryOut, Point, TotalsOut
from mobilise_runtime.cache import TimedCache
from mobilise_runtime.compression import LEVEL as GZIP_LEVEL
from mobilise_runtime.logging import get_logger

TOTALS_MAX_AGE_S = 0.25
# How often the live streams look at the (cached) totals of a campaign somebody watches.
STREAM_POLL_S = 0.3
# How often a stream proves it is alive to proxies that close quiet connections.
STREAM_PING_S = 15.0
HISTORY_MAX_AGE_S = 1.0
# Only campaigns the signup service knows get this far, so these bounds are rarely reached.
MAX_ENTRIES = 10_000
log = get_logger(__name__)


@dataclass
class Kept:
    """One read of a campaign's totals, and what every request answers from it: its JSON (and
    that gzipped) encoded once, and an entity tag naming that JSON."""

    totals: TotalsOut

    @functools.cached_property
    def json(self) -> bytes:
        return self.totals.model_dump_json().encode()

    @functools.cached_property
    def gzipped(self) -> bytes:
        return gzip.compress(self.json, GZIP_LEVEL, mtime=0)

    @functools.cached_property
    def etag(self) -> bytes:
        return b'"%s"' % hashlib.blake2b(self.json, digest_size=12).hexdigest().encode()


class TotalsReader:
    def __init__(
        self, queries: TotalsQueries, stopping: Callable[[], bool], *, frames: Frames
    ) -> None:
        self._queries = queries
        self._totals: TimedCache[str, Kept] = TimedCache(max_entries=MAX_ENTRIES)
        self._latest: TimedCache[tuple[str, Bucket], HistoryOut] = TimedCache(
            max_entries=MAX_ENTRIES
        )
        self._broadcast = Broadcast(STREAM_POLL_S, stopping, ping_s=STREAM_PING_S, frames=frames)

    async def totals(self, campaign: Campaign) -> TotalsOut:
        return (await self.kept(campaign)).totals

    async def kept(self, campaign: Campaign) -> Kept:
        """The totals as the API answers them, encoded once per read for every request."""

        async def load() -> tuple[Kept, float]:
            return Kept(await self._read(campaign)), TOTALS_MAX_AGE_S

        return await self._totals.get(campaign.id, load)

    async def _read(self, campaign: Campaign) -> TotalsOut:
        return totals_from(await self._queries.totals(campaign.id), campaign)

    def watch(self, campaign: Campaign, *, after: TotalsOut) -> Viewer:
        """A viewer of the totals' changes after `after`, read every STREAM_POLL_S for all the
        campaign's viewers at once (not through the cache: a change reaches them within one
        interval); changes in between are coalesced. It must leave()."""
        return self._broadcast.join(campaign.id, lambda: self._read(campaign), after=after)

    async def close(self) -> None:
        await self._broadcast.close()

    async def history(
        self,
        campaign: Campaign,
        bucket: Bucket,
        since: datetime | None,
        until: datetime | None,
    ) -> HistoryOut:
        span = window(bucket, since, until, now=datetime.now(UTC))
        if since is not None or until is not None:
            return await self._history(campaign, span)

        # The default window (the dashboards' chart): one read shared by all of them.
        async def load() -> tuple[HistoryOut, float]:
            return await self._history(campaign, span), HISTORY_MAX_AGE_S

        return await self._latest.get((campaign.id, bucket), load)

    async def _history(self, campaign: Campaign, span: Window) -> HistoryOut:
        documents = await self._queries.history(campaign.id, span.hours())
        hours = [
            (document[HOUR], document.get(MINUTES) or {})
            for document in documents
            if isinstance(document.get(HOUR), datetime)
        ]
        return HistoryOut(
            slug=campaign.slug,
            bucket=span.bucket,
            points=[_point(start, counts) for start, counts in points(span, hours)],
        )


def _point(start: datetime, counts: Counts) -> Point:
    return Point(
        t=start, signed=counts.signed, confirmed=counts.confirmed, volunteers=counts.volunteers
    )


def totals_from(document: Mapping[str, Any] | None, campaign: Campaign) -> TotalsOut:
    """The API's totals from the stored document (None: nothing counted yet, all zeros)."""
    document = document or {}
    overall = Counts.of(document)
    updated_at = document.get(UPDATED_AT)
    return TotalsOut(
        slug=campaign.slug,
        goal=campaign.goal,
        signed=overall.signed,
        confirmed=overall.confirmed,
        volunteers=overall.volunteers,
        **{dimension: _breakdown(document.get(dimension)) for dimension in DIMENSIONS},
        updated_at=updated_at.astimezone(UTC) if isinstance(updated_at, datetime) else None,
    )


def _breakdown(stored: Any) -> dict[str, CountsOut]:
    if not isinstance(stored, Mapping):
        return {}
    counts = {key: Counts.of(stored[key]) for key in sorted(stored)}
    # A place or partner whose every signup was invalidated stays in the document at zero.
    return {key: _counts(c) for key, c in counts.items() if c.signed or c.confirmed or c.volunteers}


def _counts(counts: Counts) -> CountsOut:
    return CountsOut(signed=counts.signed, confirmed=counts.confirmed, volunteers=counts.volunteers)
