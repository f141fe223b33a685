"""Signup-to-visible lag at a steady 1,000 signups/s: from publishing a signup until its
campaign's totals document has applied it, against the lag of a bare aiokafka consumer receiving
the same events in the same run."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
import uuid

from aiokafka import AIOKafkaConsumer

from bench.counter_process import POLL_S, kill, pledge, poll_until, start_consumer, wait_assigned
from bench.harness import Report, Result
from counter.domain.totals_document import applied_key
from devstack.config import StackConfig
from mobilise_events import PledgeSigned
from mobilise_runtime.kafka import EventPublisher
from mobilise_runtime.mongo import ServiceDatabase
from mobilise_runtime.settings import SharedSettings

RATE = 1000  # signups/s
SECONDS = 10
CAMPAIGNS = 10
# How long after the last signup the run waits for the totals to show them all.
CAP_S = 10
Position = tuple[int, int]  # partition, offset


def _percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


async def run(
    cfg: StackConfig, shared: SharedSettings, database: ServiceDatabase, report: Report
) -> None:
    """Each signup published at its time slot; its lag ends when its campaign's totals have
    applied its offset (ours) or when a bare consumer receives it (baseline)."""
    topic = shared.topic_prefix + PledgeSigned.topic
    count = RATE * SECONDS
    sent_at: dict[Position, float] = {}
    campaign_of: dict[Position, str] = {}
    visible: dict[Position, float] = {}
    received: dict[Position, float] = {}
    bare = AIOKafkaConsumer(
        topic,
        bootstrap_servers=cfg.kafka_bootstrap,
        group_id=f"bench-bare-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    publisher = EventPublisher(cfg.kafka_bootstrap, prefix=shared.topic_prefix, client_id="bench")
    process = start_consumer(shared, database.db.name)
    await bare.start()
    await publisher.start()
    try:
        await wait_assigned(process)
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
            event = pledge(i, CAMPAIGNS)
            at = time.perf_counter()
            meta = await publisher.publish(event, key=event.campaign_id)
            sent_at[(meta.partition, meta.offset)] = at
            campaign_of[(meta.partition, meta.offset)] = event.campaign_id

        async def poll() -> bool:
            now = time.perf_counter()
            applied = {d["_id"]: d.get("applied", {}) async for d in database.db["totals"].find()}
            for (partition, offset), campaign in list(campaign_of.items()):
                key = applied_key(PledgeSigned.topic, partition)
                if (partition, offset) not in visible and offset < applied.get(campaign, {}).get(
                    key, 0
                ):
                    visible[(partition, offset)] = now
            return len(visible) == count

        receiving = asyncio.create_task(receive())
        sending: list[asyncio.Task[None]] = []
        started = time.perf_counter()
        for i in range(count):
            await asyncio.sleep(max(0.0, started + i / RATE - time.perf_counter()))
            sending.append(asyncio.create_task(send(i)))
            if i % 20 == 0:
                await poll()
        await asyncio.gather(*sending)
        await poll_until(poll, CAP_S, process, "the lag run")
        ended = time.perf_counter()
        receiving.cancel()
    finally:
        kill(process)
        await publisher.stop()
        await bare.stop()
    # A signup still not visible at the end counts with the lag it had then: a lower bound.
    ours = [visible.get(p, ended) - at for p, at in sent_at.items()]
    baseline = [received.get(p, ended) - at for p, at in sent_at.items()]
    late = (
        f"; {count - len(visible):,} not visible {CAP_S} s after the last, counted with the lag "
        f"they had then (a lower bound)"
        if len(visible) < count
        else ""
    )
    what = (
        f"signup-to-visible lag {{q}} at {RATE:,} signups/s for {SECONDS} s over {CAMPAIGNS} "
        f"campaigns: from publishing until its campaign's totals have applied it (polled every "
        f"{POLL_S * 1000:.0f} ms{late}) vs until a bare aiokafka consumer receives it"
    )
    for q, target in ((50, "—"), (99, "p99 < 1 s")):
        report.add(
            Result(
                what.format(q=f"p{q}"),
                "ms",
                _percentile(baseline, q) * 1000,
                _percentile(ours, q) * 1000,
                target,
            )
        )
