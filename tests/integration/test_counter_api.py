"""The counter's read API and dashboard as a real `counter-api` process against the real FerretDB
(totals and history documents written here in the consumer's shape), with a small HTTP server
standing in for the signup service's GET /api/v1/campaigns/{slug}."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import httpx
import pytest

from devstack.config import StackConfig
from devstack.harness.processes import Running, free_port, running, service_env
from devstack.harness.signup import campaign_body
from mobilise_runtime.mongo import ServiceDatabase
from mobilise_runtime.settings import SharedSettings
from tests.json_standin import JsonStandIn, json_standin

Campaigns = dict[str, dict[str, Any]]


def signup_campaigns(campaigns: Campaigns) -> AbstractContextManager[JsonStandIn]:
    """Serves `campaigns[slug]` at /api/v1/campaigns/{slug} (404 for others), as the signup
    service's public contract does, until stopped."""
    return json_standin(campaigns, lambda path: path.removeprefix("/api/v1/campaigns/"))


def counter_env(stack: StackConfig, port: int, database: str, signup_url: str) -> dict[str, str]:
    shared = SharedSettings(
        kafka_bootstrap=stack.kafka_bootstrap, mongo_url=stack.mongo_url, redis_url=stack.redis_url
    )
    return service_env(
        shared,
        COUNTER_PORT=str(port),
        COUNTER_MONGO_DATABASE=database,
        COUNTER_SIGNUP_URL=signup_url,
    )


class Counter:
    def __init__(self, url: str, process: Running, db: ServiceDatabase, campaigns: Campaigns):
        self.url = url
        self.process = process
        self.db = db.db
        self.campaigns = campaigns

    def campaign(self, **fields: Any) -> dict[str, Any]:
        """A campaign the signup service knows (not yet counted)."""
        suffix = uuid.uuid4().hex[:8]
        values = {"id": f"id-{suffix}", "slug": f"campaign-{suffix}", "status": "open", **fields}
        campaign = campaign_body("v1", **values)
        self.campaigns[campaign["slug"]] = campaign
        return campaign

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.get(f"{self.url}{path}", timeout=10, **kwargs)


@pytest.fixture(scope="module")
async def counter(stack: StackConfig) -> AsyncIterator[Counter]:
    campaigns: Campaigns = {}
    db = ServiceDatabase(stack.mongo_url, f"counter_{uuid.uuid4().hex[:12]}", app_name="tests")
    port = free_port()
    try:
        with (
            signup_campaigns(campaigns) as signup,
            running("counter-api", counter_env(stack, port, db.db.name, signup.url)) as api,
        ):
            url = f"http://127.0.0.1:{port}"
            assert api.wait_http(f"{url}/readyz").status_code == 200, api.output()
            yield Counter(url, api, db, campaigns)
    finally:
        await db.client.drop_database(db.db.name)
        await db.close()


def counts(signed: int, confirmed: int = 0, volunteers: int = 0) -> dict[str, int]:
    return {"signed": signed, "confirmed": confirmed, "volunteers": volunteers}


UPDATED = datetime(2026, 3, 8, 10, 41, 7, 512000, tzinfo=UTC)


def totals_document(campaign: dict[str, Any], signed: int = 18_432) -> dict[str, Any]:
    return {
        "_id": campaign["id"],
        "slug": campaign["slug"],
        "signed": signed,
        "confirmed": 15_210,
        "volunteers": 0,
        "by_country": {"FR": counts(12_001, 9_876), "SN": counts(signed - 12_001, 5_334)},
        "by_region": {"FR-IDF": counts(4_120, 3_511)},
        "by_macro_region": {"Europe": counts(12_001, 9_876), "Africa": counts(signed - 12_001)},
        "by_partner": {"asso-dakar": counts(2_210, 1_980)},
        "applied": {"pledge_signed_v1_0": 18_440},
        "updated_at": UPDATED,
    }


async def test_totals_come_from_the_document_with_the_campaigns_goal(counter: Counter) -> None:
    campaign = counter.campaign(goal=60_000)
    await counter.db.totals.insert_one(totals_document(campaign))
    response = counter.get(f"/api/v1/campaigns/{campaign['slug']}/totals")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "slug": campaign["slug"],
        "goal": 60_000,
        "signed": 18_432,
        "confirmed": 15_210,
        "volunteers": 0,
        "by_country": {"FR": counts(12_001, 9_876), "SN": counts(6_431, 5_334)},
        "by_region": {"FR-IDF": counts(4_120, 3_511)},
        "by_macro_region": {"Africa": counts(6_431), "Europe": counts(12_001, 9_876)},
        "by_partner": {"asso-dakar": counts(2_210, 1_980)},
        "updated_at": "2026-03-08T10:41:07.512000Z",
    }


async def test_a_campaign_not_counted_yet_has_zeros(counter: Counter) -> None:
    campaign = counter.campaign()
    body = counter.get(f"/api/v1/campaigns/{campaign['slug']}/totals").json()
    assert (body["signed"], body["confirmed"], body["volunteers"]) == (0, 0, 0)
    assert (body["by_country"], body["updated_at"], body["goal"]) == ({}, None, 50_000)


@pytest.mark.parametrize("path", ["/totals", "/totals/stream", "/history", "/history?bucket=hour"])
@pytest.mark.parametrize("slug", ["no-such-campaign", "Not_A_Slug"])
def test_unknown_campaigns_are_404_json(counter: Counter, slug: str, path: str) -> None:
    response = counter.get(f"/api/v1/campaigns/{slug}{path}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"detail": f"no campaign {slug!r}"}


async def test_a_change_is_visible_within_the_250_ms_cache(counter: Counter) -> None:
    campaign = counter.campaign()
    await counter.db.totals.insert_one(totals_document(campaign, signed=100))
    path = f"/api/v1/campaigns/{campaign['slug']}/totals"
    async with httpx.AsyncClient(base_url=counter.url) as client:
        assert (await client.get(path)).json()["signed"] == 100
        await counter.db.totals.update_one({"_id": campaign["id"]}, {"$set": {"signed": 101}})
        # Read at once, it may still be the cached 100; 300 ms after the write it is never.
        changed_at = None
        written = time.monotonic()
        while time.monotonic() - written < 0.3:
            if (await client.get(path)).json()["signed"] == 101:
                changed_at = time.monotonic() - written
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(max(0.0, 0.3 - (time.monotonic() - written)))
        assert (await client.get(path)).json()["signed"] == 101, changed_at
        # Many readers at once are answered alike (from one read).
        answers = await asyncio.gather(*(client.get(path) for _ in range(30)))
        assert {a.json()["signed"] for a in answers} == {101}


async def test_the_totals_name_their_version_and_are_compressed_for_whoever_accepts_it(
    counter: Counter,
) -> None:
    campaign = counter.campaign()
    await counter.db.totals.insert_one(totals_document(campaign, signed=100))
    path = f"/api/v1/campaigns/{campaign['slug']}/totals"
    plain = counter.get(path, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert len(plain.content) >= 500, "large enough to be compressed"
    assert plain.headers["vary"] == "Accept-Encoding"
    etag = plain.headers["etag"]
    unchanged = counter.get(path, headers={"Accept-Encoding": "identity", "If-None-Match": etag})
    assert (unchanged.status_code, unchanged.content) == (304, b"")
    assert unchanged.headers["etag"] == etag
    weak = counter.get(path, headers={"Accept-Encoding": "identity", "If-None-Match": f"W/{etag}"})
    assert weak.status_code == 304

    zipped = counter.get(path, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.json() == plain.json()
    assert zipped.headers["etag"] != etag, "each encoding is a representation of its own"
    assert counter.get(path, headers={"If-None-Match": zipped.headers["etag"]}).status_code == 304

    await counter.db.totals.update_one({"_id": campaign["id"]}, {"$set": {"signed": 101}})
    for _ in range(200):  # bounded (10 s): 250 ms of cache, on a machine that may be busy
        changed = counter.get(path, headers={"Accept-Encoding": "identity", "If-None-Match": etag})
        if changed.status_code != 304:
            break
        await asyncio.sleep(0.05)
    assert (changed.status_code, changed.json()["signed"]) == (200, 101)
    assert changed.headers["etag"] != etag
    # Answered in front of the app, and counted in its metrics all the same.
    metrics = counter.get("/metrics").text
    for status in (200, 304):
        assert (
            'mobilise_http_requests_total{method="GET",route="/api/v1/campaigns/{slug}/totals",'
            f'service="counter-api",status="{status}"}}'
        ) in metrics


def minute_doc(campaign: dict[str, Any], hour: datetime, minutes: dict[str, Any]) -> dict[str, Any]:
    return {
        "_id": f"{campaign['id']}:{hour:%Y-%m-%dT%H}",
        "campaign_id": campaign["id"],
        "hour": hour,
        "minutes": minutes,
        "applied": {"pledge_signed_v1_0": 7},
    }


async def test_history_is_zero_filled_in_time_order(counter: Counter) -> None:
    campaign = counter.campaign()
    this_hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    day = datetime(2026, 3, 8, tzinfo=UTC)
    await counter.db.history.insert_many(
        [
            minute_doc(campaign, day.replace(hour=9), {"58": counts(2, 1), "05": counts(1)}),
            minute_doc(campaign, day.replace(hour=10), {"00": counts(4, 0, 4), "59": counts(8)}),
            minute_doc(campaign, this_hour, {"00": counts(3)}),
        ]
    )
    base = f"/api/v1/campaigns/{campaign['slug']}/history"

    response = counter.get(
        base, params={"since": "2026-03-08T09:57:00Z", "until": "2026-03-08T10:01:00Z"}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "slug": campaign["slug"],
        "bucket": "minute",
        "points": [
            {"t": "2026-03-08T09:57:00Z", **counts(0)},
            {"t": "2026-03-08T09:58:00Z", **counts(2, 1)},
            {"t": "2026-03-08T09:59:00Z", **counts(0)},
            {"t": "2026-03-08T10:00:00Z", **counts(4, 0, 4)},
        ],
    }

    hourly = counter.get(
        base,
        params={
            "bucket": "hour",
            "since": "2026-03-08T08:00:00",
            "until": "2026-03-08T12:00:00+01:00",
        },
    ).json()["points"]
    assert [(p["t"], p["signed"]) for p in hourly] == [
        ("2026-03-08T08:00:00Z", 0),
        ("2026-03-08T09:00:00Z", 3),
        ("2026-03-08T10:00:00Z", 12),
    ]

    # By default: the last 60 minutes by minute, the current one included.
    latest = counter.get(base).json()["points"]
    assert len(latest) == 61
    assert all(
        datetime.fromisoformat(b["t"]) - datetime.fromisoformat(a["t"]) == timedelta(minutes=1)
        for a, b in pairwise(latest)
    )
    assert sum(p["signed"] for p in latest) == 3
    assert len(counter.get(base, params={"bucket": "hour"}).json()["points"]) == 25


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"since": "2026-03-08T00:00:00Z", "until": "2026-03-09T00:01:00Z"}, "at most 24 hours"),
        (
            {"bucket": "hour", "since": "2026-03-01T00:00:00Z", "until": "2026-03-08T01:00:00Z"},
            "at most 7 days",
        ),
        (
            {"since": "2026-03-08T10:00:00Z", "until": "2026-03-08T09:00:00Z"},
            "since must be before until",
        ),
    ],
)
def test_history_ranges_are_bounded(counter: Counter, params: dict[str, str], detail: str) -> None:
    campaign = counter.campaign()
    response = counter.get(f"/api/v1/campaigns/{campaign['slug']}/history", params=params)
    assert response.status_code == 422
    assert detail in response.json()["detail"]


@pytest.mark.parametrize("params", [{"bucket": "day"}, {"since": "yesterday"}])
def test_history_parameters_are_checked(counter: Counter, params: dict[str, str]) -> None:
    campaign = counter.campaign()
    response = counter.get(f"/api/v1/campaigns/{campaign['slug']}/history", params=params)
    assert response.status_code == 422


# The live stream


async def _read_events(response: httpx.Response, events: asyncio.Queue[dict[str, Any]]) -> None:
    fields: dict[str, str] = {}
    async for line in response.aiter_lines():
        if line == "":
            if "data" in fields:
                await events.put({"event": fields.get("event"), **json.loads(fields["data"])})
            fields = {}
        elif not line.startswith(":"):  # a comment: the keep-alive
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
    # A clean end: the last chunk came (a cut connection raises instead).
    await events.put({"event": "end"})


@contextlib.asynccontextmanager
async def totals_stream(url: str) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
    """The stream's events, as they come, in a queue ({"event": "end"} when it ends)."""
    events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    async with (
        httpx.AsyncClient(timeout=httpx.Timeout(10, read=None)) as client,
        client.stream("GET", url) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        reader = asyncio.create_task(_read_events(response, events))
        try:
            yield events
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader


async def events_within(
    events: asyncio.Queue[dict[str, Any]], seconds: float
) -> list[dict[str, Any]]:
    received = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            received.append(await asyncio.wait_for(events.get(), left))
        except TimeoutError:
            break
    return received


async def events_until(
    events: asyncio.Queue[dict[str, Any]],
    last: Callable[[dict[str, Any]], bool],
) -> list[dict[str, Any]]:
    """The events received until one satisfies `last` (bounded: a busy machine may be slow)."""
    received: list[dict[str, Any]] = []
    async with asyncio.timeout(30):
        while not received or not last(received[-1]):
            received.append(await events.get())
    return received


async def test_the_stream_sends_the_totals_then_each_change_coalesced(counter: Counter) -> None:
    campaign = counter.campaign()
    await counter.db.totals.insert_one(totals_document(campaign, signed=100))
    base = f"{counter.url}/api/v1/campaigns/{campaign['slug']}/totals"
    totals = counter.get(f"/api/v1/campaigns/{campaign['slug']}/totals").json()

    async with totals_stream(f"{base}/stream") as events:
        first = await asyncio.wait_for(events.get(), 2)
        assert first == {"event": "totals", **totals}

        await counter.db.totals.update_one({"_id": campaign["id"]}, {"$set": {"signed": 101}})
        changed = await asyncio.wait_for(events.get(), 2)
        assert (changed["event"], changed["signed"]) == ("totals", 101)

        # Two changes in quick succession: one event, or two, the last with the final numbers.
        for signed in (102, 103):
            await counter.db.totals.update_one(
                {"_id": campaign["id"]},
                {"$set": {"signed": signed, "updated_at": datetime.now(UTC)}},
            )
        burst = await events_until(events, lambda event: event["signed"] == 103)
        assert 1 <= len(burst) <= 2, burst
        assert burst[-1]["signed"] == 103
        assert burst[-1]["updated_at"] != totals["updated_at"]

        # Nothing changes, nothing is sent.
        assert await events_within(events, 1) == []
    counter.process.wait_for('"totals stream closed"', timeout=5)


async def test_the_dashboard_without_javascript_shows_the_totals_in_french_or_english(
    counter: Counter,
) -> None:
    campaign = counter.campaign(goal=60_000)
    await counter.db.totals.insert_one(totals_document(campaign))
    page = f"/dashboard/{campaign['slug']}"

    english = counter.get(page, headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert english.status_code == 200
    html = english.text
    assert '<html lang="en" dir="ltr">' in html
    assert "<h1>Women in digital</h1>" in html
    assert '<span class="kpi__value" id="total-signed">18,432</span>' in html
    assert "18,432 signatures towards a goal of 60,000" in html
    assert "30% of the goal" in html
    assert '<th scope="col">Country</th>' in html
    assert '<th scope="row">Senegal <span class="code">SN</span></th>' in html
    assert '<th scope="row">Africa</th>' in html
    assert "asso-dakar" in html
    assert "Île-de-France" in html
    assert 'datetime="2026-03-08T10:41:07.512000+00:00">Updated 2026-03-08 10:41:07 UTC' in html
    assert 'role="status" aria-live="polite"' in html
    # Compressed for whoever accepts it (mobilise_runtime.compression): caches keep both.
    assert english.headers["vary"] == "Accept-Language, Accept-Encoding"
    assert english.headers["content-encoding"] == "gzip"
    assert "default-src 'self'" in english.headers["content-security-policy"]

    french = counter.get(page, params={"lang": "fr"}, headers={"Accept-Language": "en"}).text
    assert '<html lang="fr" dir="ltr">' in french
    assert "<h1>Femmes du numérique</h1>" in french
    assert "18\u202f432 signatures sur un objectif de 60\u202f000" in french
    assert '<th scope="row">Sénégal <span class="code">SN</span></th>' in french
    assert '<th scope="row">Afrique</th>' in french
    arabic = counter.get(page, headers={"Accept-Language": "ar"}).text
    assert '<html lang="ar" dir="rtl">' in arabic
    assert "18,432 توقيعًا من أصل هدف 60,000" in arabic  # Arabic's plural for 11 to 99 (mod 100)
    assert '<th scope="row">أفريقيا</th>' in arabic
    romanian = counter.get(page, params={"lang": "ro"}).text
    assert "18.432 de semnături din obiectivul de 60.000" in romanian
    assert "65,1\u00a0%" in french  # Europe's share of the signatures

    fragment = counter.get(f"{page}/breakdown", params={"lang": "en"}).text
    assert "<html" not in fragment
    assert fragment.count("<table>") == 4

    for asset in ("/static/dashboard.js", "/static/dashboard.css", "/static/pages.css"):
        assert counter.get(asset).status_code == 200


def test_an_unknown_campaigns_dashboard_is_a_404_page(counter: Counter) -> None:
    response = counter.get("/dashboard/no-such-campaign", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert "<h1>Campaign not found</h1>" in response.text


def test_the_openapi_document_describes_the_read_api_with_examples(counter: Counter) -> None:
    paths = counter.get("/openapi.json").json()["paths"]
    totals = paths["/api/v1/campaigns/{slug}/totals"]["get"]["responses"]
    assert {"200", "404", "503"} <= totals.keys()
    stream = paths["/api/v1/campaigns/{slug}/totals/stream"]["get"]["responses"]["200"]
    assert "event: totals" in stream["content"]["text/event-stream"]["example"]
    history = paths["/api/v1/campaigns/{slug}/history"]["get"]
    assert {p["name"] for p in history["parameters"]} == {"slug", "bucket", "since", "until"}
    assert not any(path.startswith("/dashboard") for path in paths)


# The signup service down, and shutting down with streams open


async def test_without_the_signup_service_unseen_campaigns_are_503_and_streams_end_on_shutdown(
    stack: StackConfig, database: ServiceDatabase
) -> None:
    campaigns: Campaigns = {}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with signup_campaigns(campaigns) as signup:
        env = counter_env(stack, port, database.db.name, signup.url)
        with running("counter-api", env) as api:
            api.wait_http(f"{url}/readyz")
            counter = Counter(url, api, database, campaigns)
            seen = counter.campaign()
            assert counter.get(f"/api/v1/campaigns/{seen['slug']}/totals").status_code == 200
            async with totals_stream(
                f"{url}/api/v1/campaigns/{seen['slug']}/totals/stream"
            ) as events:
                assert (await asyncio.wait_for(events.get(), 2))["event"] == "totals"
                signup.stop()
                unseen = counter.campaign()
                refused = counter.get(f"/api/v1/campaigns/{unseen['slug']}/totals")
                assert refused.status_code == 503
                assert refused.headers["retry-after"] == "5"
                assert "signup service" in refused.json()["detail"]
                page = counter.get(
                    f"/dashboard/{unseen['slug']}", headers={"Accept-Language": "en"}
                )
                assert (page.status_code, page.headers["retry-after"]) == (503, "5")
                assert "Temporarily unavailable" in page.text
                # The campaign seen before is still served (within its 30 s, from the cache).
                assert counter.get(f"/api/v1/campaigns/{seen['slug']}/totals").status_code == 200

                started = time.monotonic()
                # uvicorn ends by raising the SIGTERM it caught again, once shut down.
                assert await asyncio.to_thread(api.stop) in (0, -signal.SIGTERM)
                assert time.monotonic() - started < 5
                assert (await asyncio.wait_for(events.get(), 2)) == {"event": "end"}
                assert "Application shutdown complete" in api.output()
                assert '"totals stream closed"' in api.output()
