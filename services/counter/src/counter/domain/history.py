"""A campaign's activity over time: which buckets a history request covers, and its points,
zero-filled, from the hourly history documents (counts per minute of signup time). No I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from counter.domain.errors import RangeRejected
from counter.domain.totals_document import ZERO, Counts

Bucket = Literal["minute", "hour"]
STEP: dict[Bucket, timedelta] = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1)}
# Bounded so that one request reads at most 169 hourly documents and returns at most 1,441 points.
MAX_SPAN: dict[Bucket, timedelta] = {"minute": timedelta(hours=24), "hour": timedelta(days=7)}
DEFAULT_SPAN: dict[Bucket, timedelta] = {
    "minute": timedelta(minutes=60),
    "hour": timedelta(hours=24),
}
_SPAN_WORDS: dict[Bucket, str] = {"minute": "24 hours", "hour": "7 days"}


def floor(moment: datetime, bucket: Bucket) -> datetime:
    """The start of the bucket holding `moment`, in UTC."""
    moment = moment.astimezone(UTC).replace(second=0, microsecond=0)
    return moment.replace(minute=0) if bucket == "hour" else moment


@dataclass(frozen=True)
class Window:
    """The buckets of [since, until): every bucket that starts before `until` and ends after
    `since` — the current, unfinished one included when `until` is now."""

    bucket: Bucket
    since: datetime
    until: datetime

    def starts(self) -> list[datetime]:
        step = STEP[self.bucket]
        start = floor(self.since, self.bucket)
        count = -(-(self.until - start) // step)  # ceiling division
        return [start + i * step for i in range(count)]

    def hours(self) -> list[datetime]:
        """The UTC hours whose history documents hold this window's minutes."""
        return Window("hour", self.since, self.until).starts()


def window(
    bucket: Bucket, since: datetime | None, until: datetime | None, *, now: datetime
) -> Window:
    """The window a history request asks for. Times without an offset are taken as UTC; a missing
    `until` is now, a missing `since` is DEFAULT_SPAN before `until`."""
    end = _utc(until) if until else now.astimezone(UTC)
    start = _utc(since) if since else end - DEFAULT_SPAN[bucket]
    if start >= end:
        raise RangeRejected("since must be before until")
    if end - start > MAX_SPAN[bucket]:
        raise RangeRejected(
            f"a {bucket} history covers at most {_SPAN_WORDS[bucket]}: narrow since/until"
            + (" or ask for bucket=hour" if bucket == "minute" else "")
        )
    return Window(bucket, start, end)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def points(
    span: Window, hours: Iterable[tuple[datetime, Mapping[str, Any]]]
) -> list[tuple[datetime, Counts]]:
    """One point per bucket of `span`, in time order, zero where nothing happened, from
    (hour, {"MM": counts}) pairs (the history documents' `hour` and `minutes`)."""
    first = floor(span.since, span.bucket)
    sums: dict[datetime, Counts] = {}
    for hour, minutes in hours:
        for minute, counts in minutes.items():
            if not (len(minute) == 2 and minute.isdigit() and int(minute) < 60):
                continue  # not a minute: nothing of ours, and never a reason to fail the chart
            moment = floor(hour, "hour") + timedelta(minutes=int(minute))
            if first <= moment < span.until:
                key = floor(moment, span.bucket)
                sums[key] = sums.get(key, ZERO) + Counts.of(counts)
    return [(start, sums.get(start, ZERO)) for start in span.starts()]
