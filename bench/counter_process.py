"""What the counter benchmarks share: the signups they publish, one `counter-consumer` process on
a database and topics of its own, and waiting on it."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench.harness import Report
from devstack.config import StackConfig
from devstack.harness.events import of_supporter
from devstack.harness.isolation import own_topics
from devstack.harness.processes import Running, service_env
from mobilise_events import PledgeSigned
from mobilise_runtime.mongo import ServiceDatabase
from mobilise_runtime.settings import SharedSettings

POLL_S = 0.02
Bench = Callable[[StackConfig, SharedSettings, ServiceDatabase, Report], Awaitable[None]]


def pledge(i: int, campaigns: int) -> PledgeSigned:
    """Signup number `i`: a new supporter of one of `campaigns` campaigns, as signup publishes it
    (two thirds with double opt-in; no link tokens since schema version 2: the mailer mints
    them)."""
    return of_supporter(
        PledgeSigned, f"bench-campaign-{i % campaigns}", f"{i:064x}", double_opt_in=i % 3 != 0,
        campaign_slug=f"bench-{i % campaigns}", email=f"supporter{i}@example.org",
        country=("FR", "SN", "CI", "CA")[i % 4], region=("FR-IDF", "SN-DK", None, "CA-QC")[i % 4],
        partner=("partner-a", None)[i % 2],
    )  # fmt: skip


def start_consumer(shared: SharedSettings, database: str) -> Running:
    env = service_env(
        shared,
        COUNTER_MONGO_DATABASE=database,
        COUNTER_CONSUMER_GROUP=f"bench-{uuid.uuid4().hex[:8]}",
        MOBILISE_LOG_LEVEL="INFO",  # "partitions assigned" says when it is ready
    )
    return Running([str(Path(sys.executable).parent / "counter-consumer")], env)


def kill(process: Running) -> None:
    """Its batch in hand may take longer than a SIGTERM's grace: nothing here needs it finished."""
    if process.process.poll() is None:
        os.killpg(process.process.pid, signal.SIGKILL)
    process.process.wait()


async def poll_until(
    done: Callable[[], Awaitable[bool]],
    cap_s: float,
    process: Running,
    what: str,
    *,
    every_s: Callable[[], float] = lambda: POLL_S,
) -> None:
    deadline = time.monotonic() + cap_s
    while not await done() and time.monotonic() < deadline:
        if process.process.poll() is not None:
            raise RuntimeError(f"counter-consumer died during {what}:\n{process.output()[-3000:]}")
        await asyncio.sleep(every_s())


async def wait_assigned(process: Running) -> None:
    deadline = time.monotonic() + 60
    while not any('"partitions assigned"' in line and "[]" not in line for line in process.lines):
        if time.monotonic() > deadline or process.process.poll() is not None:
            raise RuntimeError(f"counter-consumer got no partitions:\n{process.output()[-3000:]}")
        await asyncio.sleep(0.05)


async def isolated(cfg: StackConfig, report: Report, bench: Bench) -> None:
    """Run `bench` on topics and a database of its own (one run never queues behind another's
    backlog), and remove them after."""
    database = ServiceDatabase(cfg.mongo_url, f"bench_{uuid.uuid4().hex[:8]}", app_name="bench")
    async with own_topics(cfg.kafka_bootstrap, f"benchcounter{uuid.uuid4().hex[:8]}.") as prefix:
        shared = SharedSettings(kafka_bootstrap=cfg.kafka_bootstrap, mongo_url=cfg.mongo_url,
                                topic_prefix=prefix)  # fmt: skip
        try:
            await bench(cfg, shared, database, report)
        finally:
            await database.client.drop_database(database.db.name)
            await database.close()
