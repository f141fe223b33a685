"""Live viewers of one campaign on one `counter-api` process: 10,000 concurrent Server-Sent
Events streams, each change of the stored totals timed until every viewer has it; and `GET totals`
under wrk. Baselines, same run: a bare FastAPI app serving the same totals JSON from memory, and
pushing each change to every connection as soon as it is told (bench/bare_app.py)."""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.harness import Memory, Report, Result, answers, cpu_seconds, peak_rss_mb, wrk
from bench.sse_viewers import Audience, lags, percentile
from devstack.config import StackConfig
from devstack.harness.processes import Running, free_port, service_env
from devstack.harness.signup import signup_api
from devstack.procs import wait_until
from mobilise_runtime.mongo import ServiceDatabase
from mobilise_runtime.settings import SharedSettings

VIEWERS = 10_000
CHANGES = 5
CHANGE_EVERY_S = 2.0
SEE_WITHIN_S = 1.0  # the target: every viewer has each change within this time
WRK_CONNECTIONS = 64
WRK_SECONDS = 10


def _totals_document(campaign_id: str, signed: int) -> dict[str, Any]:
    """A stored totals document of a campaign signed in a few countries, regions and partners."""
    counts = {"signed": signed, "confirmed": 0, "volunteers": 0}
    return {
        "_id": campaign_id,
        **counts,
        "by_country": dict.fromkeys(("FR", "SN", "CI", "MA", "TN", "RO"), counts),
        "by_region": dict.fromkeys(("FR-IDF", "SN-DK", "CI-AB", "MA-06", "RO-B"), counts),
        "by_macro_region": {"002": counts, "150": counts},
        "by_partner": dict.fromkeys(("asso-dakar", "incubateur-abidjan"), counts),
        "updated_at": datetime.now(UTC),
    }


async def _watch_changes(
    port: int, path: str, change: Any, pid: int
) -> tuple[list[float], float, float]:
    """Opens VIEWERS streams, makes CHANGES changes; (every lag, CPU s of the server during the
    changes, its peak RSS MB)."""
    audience = Audience(port, path, VIEWERS)
    try:
        await audience.open()
        changed_at: dict[int, float] = {}
        cpu_before = cpu_seconds(pid)
        for signed in range(1, CHANGES + 1):
            await asyncio.sleep(CHANGE_EVERY_S)
            await change(signed)
            changed_at[signed] = time.perf_counter()
            await audience.until_all_saw(signed, timeout_s=10 * SEE_WITHIN_S)
            late = sorted(
                v.seen.get(signed, float("inf")) - changed_at[signed] for v in audience.viewers
            )
            print(f"port {port} change {signed}: lag p50 {late[len(late) // 2]:.3f} s, "
                  f"max {late[-1]:.3f} s")  # fmt: skip
        return lags(audience, changed_at), cpu_seconds(pid) - cpu_before, peak_rss_mb(pid)
    finally:
        await audience.close()


async def run(cfg: StackConfig, prefix: str, report: Report) -> None:
    shared = SharedSettings(
        kafka_bootstrap=cfg.kafka_bootstrap,
        mongo_url=cfg.mongo_url,
        redis_url=cfg.redis_url,  # the signup-api it starts checks Redis: this stack's, no other
        topic_prefix=prefix,
    )
    database = ServiceDatabase(cfg.mongo_url, f"bench_{uuid.uuid4().hex[:8]}", app_name="bench")
    port, bare_port = free_port(), free_port()
    try:
        with signup_api(shared, f"bench_signup_{uuid.uuid4().hex[:8]}") as signup:
            campaign = signup.create_campaign(double_opt_in=False)
            await database.db["totals"].insert_one(_totals_document(campaign["id"], 0))
            ours = Running(
                [str(Path(sys.executable).parent / "counter-api")],
                service_env(
                    shared,
                    COUNTER_PORT=str(port),
                    COUNTER_MONGO_DATABASE=database.db.name,
                    COUNTER_SIGNUP_URL=signup.url,
                    MOBILISE_LOG_LEVEL="WARNING",
                ),
            )
            try:
                await _measure(report, campaign, database, ours, port, bare_port, shared)
            finally:
                ours.stop()
    finally:
        await database.client.drop_database(database.db.name)
        await database.close()


async def _measure(
    report: Report,
    campaign: dict[str, Any],
    database: ServiceDatabase,
    ours: Running,
    port: int,
    bare_port: int,
    shared: SharedSettings,
) -> None:
    url, bare_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{bare_port}"
    path = f"/api/v1/campaigns/{campaign['slug']}/totals"
    await asyncio.to_thread(wait_until, lambda: answers(f"{url}/readyz"), timeout=60, what="api")
    async with httpx.AsyncClient(timeout=10) as client:
        body = (await client.get(f"{url}{path}")).json()
    bare = Running(
        [sys.executable, "-m", "uvicorn", "bench.bare_app:app", "--port", str(bare_port),
         "--log-level", "warning", "--no-access-log"],
        service_env(shared, BENCH_TOTALS_JSON=json.dumps(body)),
    )  # fmt: skip
    try:
        await asyncio.to_thread(
            wait_until, lambda: answers(f"{bare_url}/docs"), timeout=60, what="bare app"
        )
        # GET totals, from the 250 ms cache, against the same JSON from memory.
        await asyncio.to_thread(wrk, f"{url}{path}", connections=WRK_CONNECTIONS, seconds=2)
        baseline = await asyncio.to_thread(
            wrk, f"{bare_url}{path}", connections=WRK_CONNECTIONS, seconds=WRK_SECONDS
        )
        measured = await asyncio.to_thread(
            wrk, f"{url}{path}", connections=WRK_CONNECTIONS, seconds=WRK_SECONDS
        )
        report.add(
            Result(
                f"counter-api `GET …/totals`, one process, {WRK_CONNECTIONS} connections (wrk): "
                "from its 250 ms cache vs a bare FastAPI endpoint returning the same JSON",
                "req/s",
                baseline,
                measured,
                "≥ 10,000 req/s",
            )
        )

        async def bare_change(signed: int) -> None:
            # Told while it holds 10,000 streams, on a machine that may be busy: patience.
            async with httpx.AsyncClient(timeout=30) as client:
                (
                    await client.post(f"{bare_url}/change", params={"signed": signed})
                ).raise_for_status()

        async def our_change(signed: int) -> None:
            await database.db["totals"].replace_one(
                {"_id": campaign["id"]}, _totals_document(campaign["id"], signed)
            )

        stream = f"{path}/stream"
        bare_lags, _, _ = await _watch_changes(bare_port, stream, bare_change, bare.process.pid)
        our_lags, cpu_s, rss = await _watch_changes(port, stream, our_change, ours.process.pid)
    finally:
        bare.stop()
    cpu_share = cpu_s / (CHANGES * CHANGE_EVERY_S)
    within = sum(lag <= SEE_WITHIN_S for lag in our_lags) / len(our_lags)
    what = (
        f"{VIEWERS:,} viewers of one campaign's live totals (SSE) on one `counter-api`, "
        f"{CHANGES} changes {CHANGE_EVERY_S:g} s apart, from the write to MongoDB until a viewer "
        f"has it ({within:.1%} within {SEE_WITHIN_S:g} s; counter-api {cpu_share:.0%} of a core"
        f", peak RSS {rss:.0f} MB) vs a bare sse-starlette app pushing each change "
        "to every connection when told"
    )
    report.add(Memory("counter-api", f"{VIEWERS:,} live viewers and `GET totals` (wrk)", rss))
    for label, ours_s, bare_s, target in (
        ("p50", percentile(our_lags, 50), percentile(bare_lags, 50), "—"),
        ("p99", percentile(our_lags, 99), percentile(bare_lags, 99), "—"),
        ("max", max(our_lags), max(bare_lags), f"every viewer within {SEE_WITHIN_S:g} s"),
    ):
        report.add(Result(f"{what}: lag {label}", "ms", bare_s * 1000, ours_s * 1000, target))
