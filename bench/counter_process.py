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

from aiokafka.admin import AIOKafkaAdminClient

from bench.harness import Report
from devstack.config import StackConfig
from devstack.harness.processes import Running, service_env
from mobilise_events import PledgeSigned
from mobilise_runtime.kafka import ensure_topics
from mobilise_runtime.mongo import ServiceDatabase
from mobilise_runtime.settings import SharedSettings

POLL_S = 0.02
Bench = Callable[[StackConfig, SharedSettings, ServiceDatabase, Report], Awaitable[None]]


def pledge(i: int, campaigns: int) -> PledgeSigned:
    """Signup number `i`: a new supporter of one of `campaigns` campaigns, as signup publishes it
    (two thirds with double opt-in, tokens of a real size)."""
    return PledgeSigned(
        signup_id=uuid.uuid4(),
        campaign_id=f"bench-campaign-{i % campaigns}",
        campaign_slug=f"bench-{i % campaigns}",
        supporter_key=f"{i:064x}",
        email=f"supporter{i}@example.org",
        first_name="Awa",
        country=("FR", "SN", "CI", "CA")[i % 4],
        region=("FR-IDF", "SN-DK", None, "CA-QC")[i % 4],
        locale="fr",
        newsletter_opt_in=True,
        consent_text_version="2026-01",
        partner=("partner-a", None)[i % 2],
        double_opt_in=i % 3 != 0,
        confirm_token="gAAAAAB" + "x" * 280,
        unsubscribe_token="gAAAAAB" + "y" * 280,
    )


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
    done: Callable[[], Awaitable[bool]], cap_s: float, process: Running, what: str
) -> None:
    deadline = time.monotonic() + cap_s
    while not await done() and time.monotonic() < deadline:
        if process.process.poll() is not None:
            raise RuntimeError(f"counter-consumer died during {what}:\n{process.output()[-3000:]}")
        await asyncio.sleep(POLL_S)


async def wait_assigned(process: Running) -> None:
    deadline = time.monotonic() + 60
    while not any('"partitions assigned"' in line and "[]" not in line for line in process.lines):
        if time.monotonic() > deadline or process.process.poll() is not None:
            raise RuntimeError(f"counter-consumer got no partitions:\n{process.output()[-3000:]}")
        await asyncio.sleep(0.05)


async def isolated(cfg: StackConfig, report: Report, bench: Bench) -> None:
    """Run `bench` on topics and a database of its own (one run never queues behind another's
    backlog), and remove them after."""
    prefix = f"benchcounter{uuid.uuid4().hex[:8]}."
    created = await ensure_topics(cfg.kafka_bootstrap, prefix=prefix)
    shared = SharedSettings(kafka_bootstrap=cfg.kafka_bootstrap, mongo_url=cfg.mongo_url,
                            topic_prefix=prefix)  # fmt: skip
    database = ServiceDatabase(cfg.mongo_url, f"bench_{uuid.uuid4().hex[:8]}", app_name="bench")
    try:
        await bench(cfg, shared, database, report)
    finally:
        await database.client.drop_database(database.db.name)
        await database.close()
        admin = AIOKafkaAdminClient(bootstrap_servers=cfg.kafka_bootstrap)
        await admin.start()
        await admin.delete_topics(created)
        await admin.close()
