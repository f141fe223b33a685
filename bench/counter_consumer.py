"""The counter: events applied per second by one counter-consumer process, against a bare
aiokafka consumer that only reads and decodes the same messages; and signup-to-visible lag at a
steady signup rate (time from publishing a signup to its count showing in the totals document)."""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
import uuid
from pathlib import Path

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient

from bench.harness import Result
from devstack.config import StackConfig
from mobilise_events import PledgeSigned
from mobilise_runtime.kafka import EventPublisher, ensure_topics
from mobilise_runtime.mongo import ServiceDatabase
from mobilise_runtime.settings import SharedSettings
from tests.processes import Running, service_env

EVENTS = 50_000
CAMPAIGNS = 50
RATE = 500  # signups per second for the lag measurement
LAG_SECONDS = 10


def _signup(i: int, campaign: str) -> PledgeSigned:
    return PledgeSigned(
        signup_id=uuid.uuid4(),
        campaign_id=campaign,
        campaign_slug=campaign,
        supporter_key=f"{i:064x}",
        email=f"s{i}@example.org",
        first_name="Awa",
        country="SN",
        region="SN-DK",
        locale="fr",
        newsletter_opt_in=True,
        consent_text_version="v1",
        double_opt_in=True,
        unsubscribe_token="t" * 200,
    )


async def _publish(publisher: EventPublisher, events: list[PledgeSigned]) -> None:
    for start in range(0, len(events), 500):
        wave = events[start : start + 500]
        await asyncio.gather(*(publisher.publish(e, key=e.campaign_id) for e in wave))


async def _signed(db: ServiceDatabase) -> int:
    return sum([d.get("signed", 0) async for d in db.db["totals"].find({}, {"signed": 1})])


def _consumer(shared: SharedSettings, database: str) -> Running:
    env = service_env(
        shared,
        COUNTER_MONGO_DATABASE=database,
        COUNTER_CONSUMER_GROUP=f"bench-{database}",
        MOBILISE_LOG_LEVEL="WARNING",
    )
    return Running([str(Path(sys.executable).parent / "counter-consumer")], env)


async def _bare_rate(bootstrap: str, topic: str, count: int) -> float:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    try:
        started, seen = time.perf_counter(), 0
        while seen < count:
            for records in (await consumer.getmany(timeout_ms=500, max_records=2000)).values():
                for record in records:
                    json.loads(record.value or b"")
                seen += len(records)
        return count / (time.perf_counter() - started)
    finally:
        await consumer.stop()


async def _applied_rate(shared: SharedSettings, count: int) -> float:
    name = f"bench_{uuid.uuid4().hex[:8]}"
    db = ServiceDatabase(shared.mongo_url, name, app_name="bench")
    process = _consumer(shared, name)
    try:
        started = time.perf_counter()
        while await _signed(db) < count:
            assert process.process.poll() is None, process.output()[-2000:]
            await asyncio.sleep(0.05)
        return count / (time.perf_counter() - started)
    finally:
        process.stop()
        await db.client.drop_database(name)
        await db.close()


async def _lags(shared: SharedSettings, publisher: EventPublisher) -> list[float]:
    name = f"bench_{uuid.uuid4().hex[:8]}"
    db = ServiceDatabase(shared.mongo_url, name, app_name="bench")
    process = _consumer(shared, name)
    sent: list[float] = []
    lags: list[float] = []
    pending: list[asyncio.Future[object]] = []
    try:
        await asyncio.sleep(3)  # joined its group
        base = await _signed(db)

        async def send() -> None:
            total = RATE * LAG_SECONDS
            start = time.perf_counter()
            for i in range(total):
                await asyncio.sleep(max(0.0, start + i / RATE - time.perf_counter()))
                sent.append(time.perf_counter())
                e = _signup(10_000_000 + i, f"lag-{i % CAMPAIGNS}")
                pending.append(asyncio.ensure_future(publisher.publish(e, key=e.campaign_id)))

        sender = asyncio.create_task(send())
        seen = 0
        deadline = time.perf_counter() + LAG_SECONDS + 30
        while seen < RATE * LAG_SECONDS and time.perf_counter() < deadline:
            now_seen = await _signed(db) - base
            now = time.perf_counter()
            lags.extend(now - sent[k] for k in range(seen, min(now_seen, len(sent))))
            seen = max(seen, now_seen)
            await asyncio.sleep(0.02)
        await sender
        await asyncio.gather(*pending)
    finally:
        process.stop()
        await db.client.drop_database(name)
        await db.close()
    return lags


async def run(cfg: StackConfig) -> list[Result]:
    # Topics of its own: the other benchmarks' signups must not count here.
    prefix = f"benchcounter{uuid.uuid4().hex[:8]}."
    created = await ensure_topics(cfg.kafka_bootstrap, prefix=prefix)
    try:
        return await _measure(cfg, prefix)
    finally:
        admin = AIOKafkaAdminClient(bootstrap_servers=cfg.kafka_bootstrap)
        await admin.start()
        await admin.delete_topics(created)
        await admin.close()


async def _measure(cfg: StackConfig, prefix: str) -> list[Result]:
    shared = SharedSettings(
        kafka_bootstrap=cfg.kafka_bootstrap, mongo_url=cfg.mongo_url, topic_prefix=prefix
    )
    publisher = EventPublisher(cfg.kafka_bootstrap, prefix=prefix, client_id="bench")
    await publisher.start()
    try:
        events = [_signup(i, f"c-{i % CAMPAIGNS}") for i in range(EVENTS)]
        await _publish(publisher, events)
        baseline = await _bare_rate(cfg.kafka_bootstrap, prefix + PledgeSigned.topic, EVENTS)
        measured = await _applied_rate(shared, EVENTS)
        lags = sorted(await _lags(shared, publisher))
    finally:
        await publisher.stop()
    p50 = statistics.median(lags) * 1000
    p99 = lags[int(len(lags) * 0.99) - 1] * 1000
    return [
        Result(
            "counter: events applied per consumer process (vs reading and decoding only)",
            "events/s",
            baseline,
            measured,
            "≥ 20,000 events/s",
        ),
        Result(
            f"counter: signup-to-visible lag at {RATE} signups/s (p50, then p99)",
            "ms",
            p50,
            p99,
            "p99 < 1,000 ms",
            show_ratio=False,
        ),
    ]
