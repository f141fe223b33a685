"""The counter's read side, its pure parts: history windows and zero-filling, totals from a
stored document, the cache, the dashboard's tables and its languages."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from counter.adapters.campaigns import Campaign, CampaignDirectory
from counter.application.reader import totals_from
from counter.domain.errors import RangeRejected, Unavailable, UnknownCampaign
from counter.domain.history import Window, floor, points, window
from counter.domain.totals_document import Counts
from counter.presentation.i18n import (
    country_name,
    format_number,
    format_share,
    macro_region_name,
    region_name,
)
from counter.routes.dashboard import tables
from mobilise_runtime.cache import TimedCache
from tests.counter_totals import totals_of

NOW = datetime(2026, 3, 8, 10, 41, 7, 512000, tzinfo=UTC)
CAMPAIGN = Campaign(
    id="c1",
    slug="femmes-du-numerique",
    kind="pledge",
    title={"fr": "Femmes du numérique", "en": "Women in digital"},
    description={},
    goal=50_000,
    countries=(),
    status="open",
)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 8, hour, minute, tzinfo=UTC)


# History windows


def test_the_default_window_is_the_last_hour_by_minute_or_the_last_day_by_hour() -> None:
    by_minute = window("minute", None, None, now=NOW)
    assert (by_minute.since, by_minute.until) == (NOW - timedelta(minutes=60), NOW)
    starts = by_minute.starts()
    # The minute of `since` and the current, unfinished one are both there: 61 points.
    assert (len(starts), starts[0], starts[-1]) == (61, at(9, 41), at(10, 41))
    by_hour = window("hour", None, None, now=NOW)
    assert by_hour.since == NOW - timedelta(hours=24)
    assert (len(by_hour.starts()), by_hour.starts()[-1]) == (25, at(10))


def test_a_window_is_half_open_and_times_without_offset_are_utc() -> None:
    span = window("minute", datetime(2026, 3, 8, 10, 0), datetime(2026, 3, 8, 10, 5), now=NOW)
    assert span.starts() == [at(10, m) for m in range(5)]  # 10:05 itself is excluded
    paris = timezone(timedelta(hours=1))
    span = window("hour", datetime(2026, 3, 8, 11, 30, tzinfo=paris), None, now=NOW)
    assert span.since == at(10, 30)
    assert span.starts() == [at(10)]
    assert span.hours() == [at(10)]


def test_only_since_or_only_until() -> None:
    assert window("minute", at(10), None, now=NOW).until == NOW
    assert window("minute", None, at(10), now=NOW).since == at(9)


@pytest.mark.parametrize(
    ("bucket", "since", "until", "message"),
    [
        ("minute", at(10), at(10), "since must be before until"),
        ("minute", at(10, 5), at(10), "since must be before until"),
        ("minute", at(10) - timedelta(hours=24, minutes=1), at(10), "at most 24 hours"),
        ("hour", at(10) - timedelta(days=7, hours=1), at(10), "at most 7 days"),
    ],
)
def test_reversed_or_too_long_windows_are_refused(
    bucket: Any, since: datetime, until: datetime, message: str
) -> None:
    with pytest.raises(RangeRejected, match=message):
        window(bucket, since, until, now=NOW)


def test_the_longest_windows_are_served() -> None:
    assert len(window("minute", at(10) - timedelta(hours=24), at(10), now=NOW).starts()) == 1440
    assert len(window("hour", at(10) - timedelta(days=7), at(10), now=NOW).starts()) == 168
    assert len(window("minute", at(10) - timedelta(hours=24), at(10), now=NOW).hours()) == 24


def test_floor() -> None:
    assert floor(NOW, "minute") == at(10, 41)
    assert floor(NOW, "hour") == at(10)
    assert floor(datetime(2026, 3, 8, 11, 41, tzinfo=timezone(timedelta(hours=1))), "hour") == at(
        10
    )


# Points


def test_points_are_zero_filled_in_time_order() -> None:
    span = Window("minute", at(9, 58), at(10, 2))
    hours = [
        (at(10), {"01": {"signed": 3, "confirmed": 1}, "00": {"signed": 1}}),
        (at(9), {"58": {"signed": 2, "confirmed": 2, "volunteers": 1}, "30": {"signed": 50}}),
    ]
    assert points(span, hours) == [
        (at(9, 58), Counts(2, 2, 1)),
        (at(9, 59), Counts()),
        (at(10, 0), Counts(1, 0, 0)),
        (at(10, 1), Counts(3, 1, 0)),
    ]


def test_hour_points_sum_their_minutes_and_the_first_bucket_is_whole() -> None:
    span = Window("hour", at(8, 30), at(10, 15))
    hours = [
        (at(8), {"05": {"signed": 1}, "45": {"signed": 2}}),  # 8:05 is in the 8:00 bucket
        (at(10), {"10": {"signed": 4}, "20": {"signed": 8}}),  # 10:20 is after `until`
    ]
    assert points(span, hours) == [
        (at(8), Counts(3, 0, 0)),
        (at(9), Counts()),
        (at(10), Counts(4, 0, 0)),
    ]


def test_points_ignore_what_is_not_a_minute_or_not_a_count() -> None:
    span = Window("minute", at(10), at(10, 2))
    hours = [(at(10), {"1": {"signed": 9}, "60": {"signed": 9}, "xx": {}, "00": "nope",
                      "01": {"signed": True, "confirmed": "2", "volunteers": 4}})]  # fmt: skip
    assert points(span, hours) == [(at(10, 0), Counts()), (at(10, 1), Counts(0, 0, 4))]


# Totals


def test_totals_before_the_first_signup_are_zeros() -> None:
    totals = totals_from(None, CAMPAIGN)
    zeros = totals_of("femmes-du-numerique", goal=50_000, signed=0)
    assert totals.model_dump() == {**zeros, "updated_at": None}


def test_totals_from_a_partial_document() -> None:
    document = {
        "_id": "c1",
        "slug": "femmes-du-numerique",
        "signed": 5,
        "by_country": {"SN": {"signed": 2}, "FR": {"signed": 3, "confirmed": 1}},
        "by_partner": "not a map",
        "applied": {"pledge.signed.v1": 12},
        "updated_at": datetime(2026, 3, 8, 11, 0, tzinfo=timezone(timedelta(hours=1))),
    }
    totals = totals_from(document, CAMPAIGN)
    assert (totals.signed, totals.confirmed, totals.volunteers) == (5, 0, 0)
    assert list(totals.by_country) == ["FR", "SN"]
    assert totals.by_country["FR"].model_dump() == {"signed": 3, "confirmed": 1, "volunteers": 0}
    assert totals.by_partner == {}
    assert totals.updated_at == at(10)
    assert totals.updated_at.utcoffset() == timedelta(0)
    assert "applied" not in totals.model_dump_json()


def test_a_place_or_partner_left_at_zero_by_an_invalidation_is_not_listed() -> None:
    document = {
        "signed": 1,
        "by_country": {"FR": {"signed": 0, "confirmed": 0}, "SN": {"signed": 1}},
        "by_partner": {"relais": {"signed": 0, "confirmed": 0, "volunteers": 0}},
    }
    totals = totals_from(document, CAMPAIGN)
    assert list(totals.by_country) == ["SN"]
    assert totals.by_partner == {}


# The cache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_callers_missing_together_share_one_load() -> None:
    cache: TimedCache[str, int] = TimedCache(max_entries=10)
    loads = 0

    async def load() -> tuple[int, float]:
        nonlocal loads
        loads += 1
        await asyncio.sleep(0.05)
        return loads, 60

    assert await asyncio.gather(*(cache.get("a", load) for _ in range(20))) == [1] * 20
    assert loads == 1
    assert cache._locks == {}  # nothing kept for keys nobody waits on


async def test_values_expire_counted_from_the_start_of_their_load() -> None:
    clock = Clock()
    cache: TimedCache[str, str | None] = TimedCache(max_entries=10, clock=clock)

    async def load() -> tuple[str | None, float]:
        clock.now += 0.1  # the read itself takes time
        return None, 0.25

    assert await cache.get("a", load) is None
    assert cache.fresh("a") == (None,)  # a kept None is a hit, not a miss
    clock.now = 0.24
    assert cache.fresh("a") == (None,)
    clock.now = 0.25
    assert cache.fresh("a") is None
    assert cache.stale("a") == (None,)


async def test_the_cache_keeps_at_most_its_bound_and_a_failed_load_keeps_nothing() -> None:
    cache: TimedCache[int, int] = TimedCache(max_entries=3)

    async def value(n: int) -> tuple[int, float]:
        return n, 60

    for n in range(5):
        await cache.get(n, lambda n=n: value(n))  # type: ignore[misc]
    assert [cache.stale(n) for n in range(5)] == [None, None, (2,), (3,), (4,)]

    async def failing() -> tuple[int, float]:
        raise RuntimeError("down")

    with pytest.raises(RuntimeError):
        await cache.get(9, failing)
    assert cache.stale(9) is None
    assert cache._locks == {}


# The dashboard


def test_tables_are_biggest_first_with_names_and_shares() -> None:
    totals = totals_from(
        {
            "signed": 10,
            "by_macro_region": {"Europe": {"signed": 2}, "Africa": {"signed": 8}},
            "by_country": {"FR": {"signed": 2}, "SN": {"signed": 8}},
            "by_region": {"SN-DK": {"signed": 5}, "XX-YY": {"signed": 1}},
            "by_partner": {"b": {"signed": 1, "confirmed": 1}, "a": {"signed": 1}},
        },
        CAMPAIGN,
    )
    macro, partners, countries, regions = tables(totals, "fr")
    assert [(r.name, r.share) for r in macro.rows] == [("Afrique", 80.0), ("Europe", 20.0)]
    assert [(r.rank, r.key) for r in partners.rows] == [(1, "b"), (2, "a")]
    assert [r.name for r in countries.rows] == ["Sénégal", "France"]
    assert [r.name for r in regions.rows] == ["Dakar", "XX-YY"]  # unknown codes show as such
    assert tables(totals_from(None, CAMPAIGN), "en")[0].rows == []


# Languages (locale_from, which the counter's pages use too: tests/unit/test_i18n.py)


def test_numbers_and_names() -> None:
    assert format_number(18432, "fr") == "18\u202f432"
    assert format_number(18432, "en") == "18,432"
    assert format_share(12.345, "fr") == "12,3\u00a0%"
    assert format_share(12.345, "en") == "12.3%"
    assert (country_name("CI", "fr"), country_name("CI", "en")) == (
        "Côte d'Ivoire",
        "Côte d'Ivoire",
    )
    assert (country_name("DE", "fr"), country_name("DE", "en")) == ("Allemagne", "Germany")
    assert region_name("FR-IDF", "en") == "Île-de-France"
    assert (macro_region_name("Africa", "fr"), macro_region_name("Africa", "en")) == (
        "Afrique",
        "Africa",
    )
    assert macro_region_name("Atlantis", "en") == "Atlantis"


# The signup service's campaigns (its HTTP answers stood in for by httpx.MockTransport)


class SignupStub:
    def __init__(self) -> None:
        self.requests: list[str] = []
        self.answer: httpx.Response | Exception = httpx.Response(
            200, json={**SIGNUP_CAMPAIGN, "unknown_field": 1}
        )

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request.url.path)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


SIGNUP_CAMPAIGN = {
    "id": "c1",
    "slug": "femmes-du-numerique",
    "kind": "pledge",
    "title": {"fr": "Femmes du numérique", "en": "Women in digital"},
    "description": {"fr": "", "en": ""},
    "goal": 50_000,
    "countries": ["FR", "SN"],
    "status": "open",
}


@pytest.fixture
def stub() -> SignupStub:
    return SignupStub()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def directory(stub: SignupStub, clock: Clock) -> AsyncIterator[CampaignDirectory]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(stub)) as client:
        yield CampaignDirectory(client, "http://signup.test/", clock=clock)


async def test_a_campaign_is_asked_for_once_in_30_seconds(
    directory: CampaignDirectory, stub: SignupStub, clock: Clock
) -> None:
    campaign = await directory.get("femmes-du-numerique")
    assert (campaign.id, campaign.goal, campaign.countries) == ("c1", 50_000, ("FR", "SN"))
    assert stub.requests == ["/api/v1/campaigns/femmes-du-numerique"]
    clock.now = 29.9
    await directory.get("femmes-du-numerique")
    assert len(stub.requests) == 1
    clock.now = 30
    await directory.get("femmes-du-numerique")
    assert len(stub.requests) == 2


async def test_an_unknown_campaign_is_asked_for_again_after_5_seconds(
    directory: CampaignDirectory, stub: SignupStub, clock: Clock
) -> None:
    stub.answer = httpx.Response(404, json={"detail": "no such campaign"})
    for _ in range(2):
        with pytest.raises(UnknownCampaign):
            await directory.get("nope")
    assert len(stub.requests) == 1
    clock.now = 5
    with pytest.raises(UnknownCampaign):
        await directory.get("nope")
    assert len(stub.requests) == 2


@pytest.mark.parametrize("slug", ["Femmes", "a", "femmes--numerique", "x" * 65, "../admin"])
async def test_what_cannot_be_a_slug_is_no_campaign_without_asking(
    directory: CampaignDirectory, stub: SignupStub, slug: str
) -> None:
    with pytest.raises(UnknownCampaign):
        await directory.get(slug)
    assert stub.requests == []


@pytest.mark.parametrize(
    "answer",
    [
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.Response(500, text="oops"),
        httpx.Response(200, json={"slug": "femmes-du-numerique"}),  # not a campaign
    ],
    ids=["refused", "timeout", "500", "malformed"],
)
async def test_when_the_signup_service_fails_a_campaign_never_seen_is_unavailable(
    directory: CampaignDirectory, stub: SignupStub, answer: httpx.Response | Exception
) -> None:
    stub.answer = answer
    with pytest.raises(Unavailable) as refused:
        await directory.get("femmes-du-numerique")
    assert refused.value.retry_after_s == 5


async def test_when_the_signup_service_fails_a_campaign_seen_before_is_still_served(
    directory: CampaignDirectory, stub: SignupStub, clock: Clock
) -> None:
    await directory.get("femmes-du-numerique")
    stub.answer = httpx.ConnectError("refused")
    clock.now = 31
    assert (await directory.get("femmes-du-numerique")).goal == 50_000
    clock.now = 33  # kept again, for a short while only: no request in between
    await directory.get("femmes-du-numerique")
    assert len(stub.requests) == 2
    clock.now = 37
    stub.answer = httpx.Response(200, json={**SIGNUP_CAMPAIGN, "goal": 60_000})
    assert (await directory.get("femmes-du-numerique")).goal == 60_000
