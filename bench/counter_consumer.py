"""Counting: one `counter-consumer` process from a cold start until the published signups are in
its totals, against a bare aiokafka consumer that reads and JSON-decodes the same messages; and the
lag from a signup's publication to the totals showing it, at a steady 1,000 signups/s, against the
lag of a bare consumer receiving the same events."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from bench.harness import Result
from devstack.config import StackConfig
from mobilise_events import PledgeSigned
from mobilise_runtime.kafka import EventPublisher, ensure_topics
from mobilise_runtime.mongo import ServiceDatabase
from mobilise_runtime.settings import SharedSettings
from tests.processes import Running, service_env

EVENTS = 100_000
CAMPAIGNS = 50
# The consumer gets this long to count EVENTS; its rate is what it counted in that time.
THROUGHPUT_CAP_S = 30
LAG_RATE = 1000  # signups/s
LAG_SECONDS = 10
LAG_CAMPAIGNS = 10
# How long after the last signup the lag run waits for the totals to show them all.
LAG_CAP_S = 10
POLL_S = 0.02


def _pledge(i: int, campaigns: int) -> PledgeSigned:
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


def _kill(process: Running) -> None:
    """Its batch in hand may take longer than a SIGTERM's grace: nothing here needs it finished."""
    if process.process.poll() is None:
        os.killpg(process.process.pid, signal.SIGKILL)
    process.process.wait()


def _consumer(shared: SharedSettings, database: str) -> Running:
    env = service_env(
        shared,
        COUNTER_MONGO_DATABASE=database,
        COUNTER_CONSUMER_GROUP=f"bench-{uuid.uuid4().hex[:8]}",
        MOBILISE_LOG_LEVEL="INFO",  # "partitions assigned" says when it is ready
    )
    return Running([str(Path(sys.executable).parent / "counter-consumer")], env)


async def _publish_backlog(bootstrap: str, topic: str) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        max_batch_size=512 * 1024,
        linger_ms=5,
    )
    await producer.start()
    try:
        for start in range(0, EVENTS, 10_000):
            sent = []
            for i in range(start, min(EVENTS, start + 10_000)):
                event = _pledge(i, CAMPAIGNS)
                sent.append(
                    await producer.send(topic, event.encode(), key=event.campaign_id.encode())
                )
            await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def _bare_read(bootstrap: str, topic: str) -> float:
    """Seconds a fresh group member takes to read and decode the EVENTS messages."""
    started = time.perf_counter()
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"bench-bare-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        read = 0
        while read < EVENTS:
            batches = await consumer.getmany(timeout_ms=500, max_records=2000)
            for records in batches.values():
                for record in records:
                    json.loads(record.value)
                read += sum(len(r) for r in batches.values())
        return time.perf_counter() - started
    finally:
        await consumer.stop()


async def _poll_until(
    done: Callable[[], Awaitable[bool]], cap_s: float, process: Running, what: str
) -> None:
    deadline = time.monotonic() + cap_s
    while not await done() and time.monotonic() < deadline:
        if process.process.poll() is not None:
            raise RuntimeError(f"counter-consumer died during {what}:\n{process.output()[-3000:]}")
        await asyncio.sleep(POLL_S)


async def _wait_assigned(process: Running) -> None:
    deadline = time.monotonic() + 60
    while not any('"partitions assigned"' in line and "[]" not in line for line in process.lines):
        if time.monotonic() > deadline or process.process.poll() is not None:
            raise RuntimeError(f"counter-consumer got no partitions:\n{process.output()[-3000:]}")
        await asyncio.sleep(0.05)


async def throughput(cfg: StackConfig, prefix: str, database: ServiceDatabase) -> Result:
    topic = prefix + PledgeSigned.topic
    await _publish_backlog(cfg.kafka_bootstrap, topic)
    await _bare_read(cfg.kafka_bootstrap, topic)  # warm the broker's page cache for both
    baseline = EVENTS / await _bare_read(cfg.kafka_bootstrap, topic)

    totals = database.db["totals"]
    counted = 0
    counted_at = started = time.perf_counter()

    async def all_counted() -> bool:
        nonlocal counted, counted_at
        now = sum([d.get("signed", 0) async for d in totals.find({}, {"signed": 1})])
        if now != counted:
            counted, counted_at = now, time.perf_counter()
        return counted >= EVENTS

    shared = SharedSettings(kafka_bootstrap=cfg.kafka_bootstrap, mongo_url=cfg.mongo_url,
                            topic_prefix=prefix)  # fmt: skip
    process = _consumer(shared, database.db.name)
    try:
        await _poll_until(all_counted, THROUGHPUT_CAP_S, process, "the throughput run")
    finally:
        _kill(process)
    measured = counted / (counted_at - started)
    scope = "all" if counted >= EVENTS else f"{counted:,} in its {THROUGHPUT_CAP_S} s"
    return Result(
        f"counter consumer, one process, {EVENTS:,} signups over {CAMPAIGNS} campaigns: "
        f"`counter-consumer` from a cold start (ledger, history, totals in FerretDB; counted "
        f"{scope}) vs a bare aiokafka consumer reading and JSON-decoding them",
        "events/s",
        baseline,
        measured,
        "≥ 20,000 events/s",
    )


def _percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


async def lag(cfg: StackConfig, prefix: str, database: ServiceDatabase) -> list[Result]:
    """Each signup published at its time slot; its lag ends when its campaign's totals have
    applied its offset (ours) or when a bare consumer receives it (baseline)."""
    topic = prefix + PledgeSigned.topic
    shared = SharedSettings(kafka_bootstrap=cfg.kafka_bootstrap, mongo_url=cfg.mongo_url,
                            topic_prefix=prefix)  # fmt: skip
    count = LAG_RATE * LAG_SECONDS
    sent_at: dict[tuple[int, int], float] = {}  # (partition, offset) -> send time
    campaign_of: dict[tuple[int, int], str] = {}
    visible: dict[tuple[int, int], float] = {}
    received: dict[tuple[int, int], float] = {}
    bare = AIOKafkaConsumer(
        topic,
        bootstrap_servers=cfg.kafka_bootstrap,
        group_id=f"bench-bare-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    publisher = EventPublisher(cfg.kafka_bootstrap, prefix=prefix, client_id="bench-lag")
    process = _consumer(shared, database.db.name)
    await bare.start()
    await publisher.start()
    try:
        await _wait_assigned(process)
        while not bare.assignment():
            await bare.getmany(timeout_ms=100)

        async def receive() -> None:
            while True:
                batches = await bare.getmany(timeout_ms=100)
                now = time.perf_counter()
                for records in batches.values():
                    for record in records:
                        json.loads(record.value)
                        received[(record.partition, record.offset)] = now

        async def send(i: int) -> None:
            event = _pledge(i, LAG_CAMPAIGNS)
            at = time.perf_counter()
            meta = await publisher.publish(event, key=event.campaign_id)
            sent_at[(meta.partition, meta.offset)] = at
            campaign_of[(meta.partition, meta.offset)] = event.campaign_id

        async def poll() -> bool:
            now = time.perf_counter()
            applied = {d["_id"]: d.get("applied", {}) async for d in database.db["totals"].find()}
            key = PledgeSigned.topic.replace(".", "_")
            for (partition, offset), campaign in list(campaign_of.items()):
                if (partition, offset) not in visible and offset < applied.get(campaign, {}).get(
                    f"{key}_{partition}", 0
                ):
                    visible[(partition, offset)] = now
            return len(visible) == count

        receiving = asyncio.create_task(receive())
        sending: list[asyncio.Task[None]] = []
        started = time.perf_counter()
        for i in range(count):
            await asyncio.sleep(max(0.0, started + i / LAG_RATE - time.perf_counter()))
            sending.append(asyncio.create_task(send(i)))
            if i % 20 == 0:
                await poll()
        await asyncio.gather(*sending)
        await _poll_until(poll, LAG_CAP_S, process, "the lag run")
        ended = time.perf_counter()
        receiving.cancel()
    finally:
        _kill(process)
        await publisher.stop()
        await bare.stop()
    # A signup still not visible at the end counts with the lag it had then: a lower bound.
    ours = [visible.get(p, ended) - at for p, at in sent_at.items()]
    baseline = [received.get(p, ended) - at for p, at in sent_at.items()]
    late = (
        f"; {count - len(visible):,} not visible after {LAG_CAP_S} s"
        if len(visible) < count
        else ""
    )
    what = (
        f"signup-to-visible lag {{q}} at {LAG_RATE:,} signups/s for {LAG_SECONDS} s: from "
        f"publishing until its campaign's totals have applied it (polled every "
        f"{POLL_S * 1000:.0f} ms{late}) vs until a bare aiokafka consumer receives it"
    )
    return [
        Result(
            what.format(q="p50"),
            "ms",
            _percentile(baseline, 50) * 1000,
            _percentile(ours, 50) * 1000,
            "—",
        ),
        Result(
            what.format(q="p99"),
            "ms",
            _percentile(baseline, 99) * 1000,
            _percentile(ours, 99) * 1000,
            "p99 < 1 s",
        ),
    ]


async def run(cfg: StackConfig) -> list[Result]:
    """Each run on topics and a database of its own (the lag run must not queue behind the
    throughput run's backlog)."""
    results: list[Result] = []
    for bench in (throughput, lag):
        prefix = f"benchcounter{uuid.uuid4().hex[:8]}."
        created = await ensure_topics(cfg.kafka_bootstrap, prefix=prefix)
        database = ServiceDatabase(cfg.mongo_url, f"bench_{uuid.uuid4().hex[:8]}", app_name="bench")
        try:
            outcome = await bench(cfg, prefix, database)
            results.extend(outcome if isinstance(outcome, list) else [outcome])
        finally:
            await database.client.drop_database(database.db.name)
            await database.close()
            admin = AIOKafkaAdminClient(bootstrap_servers=cfg.kafka_bootstrap)
            await admin.start()
            await admin.delete_topics(created)
            await admin.close()
    return results
