"""Events/s of one `counter-consumer` process, from a cold start until a backlog of signups is in
its totals, against two ceilings measured in the same run: a bare aiokafka consumer reading and
JSON-decoding the same messages (what Kafka and Python allow), and a bare `insert_many` of the
very ledger documents the consumer writes, one per new supporter, in batches of the same size
(what FerretDB allows: no exactly-once counter can write less than one document per new
supporter)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from bench.counter_process import POLL_S, kill, pledge, poll_until, start_consumer
from bench.harness import Memory, Report, Result, peak_rss_mb
from counter.domain import aggregation, facts
from counter.domain.entries import Entry
from counter.repository.ledger import LedgerRepository
from counter.settings import StoreSettings
from devstack.config import StackConfig
from mobilise_events import PledgeSigned
from mobilise_runtime.mongo import Document, ServiceDatabase
from mobilise_runtime.settings import SharedSettings

EVENTS = 100_000
CAMPAIGNS = 50
PARTITIONS = 6  # of pledge.signed (mobilise_events.topics)
# The consumer gets this long to count EVENTS; its rate is what it counted in that time.
CAP_S = 90
# Each poll reads every totals document, which FerretDB decodes whole: ~18 ms of its CPU for the
# 50 campaigns (measured), so polling every 20 ms all along took about half of the 2 cores from
# the consumer it measured. Coarse polls until the count is near the end, fine ones for the end.
COARSE_POLL_S = 0.5
NEAR_END = 0.9


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
                event = pledge(i, CAMPAIGNS)
                sent.append(
                    await producer.send(topic, event.encode(), key=event.campaign_id.encode())
                )
            await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def _bare_read(bootstrap: str, topic: str) -> float:
    """Events/s of a fresh group member reading and decoding the EVENTS messages."""
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
                read += len(records)
        return EVENTS / (time.perf_counter() - started)
    finally:
        await consumer.stop()


def _ledger_documents() -> list[Document]:
    """The ledger documents the consumer writes for EVENTS new supporters (one fact each)."""
    documents: list[Document] = []
    for i in range(EVENTS):
        event = pledge(i, CAMPAIGNS)
        entries: dict[str, Entry] = {}
        aggregation.apply(entries, event, aggregation.position("pledge_signed_v1_0", 0, i))
        documents += facts.changes(None, next(iter(entries.values())), i % PARTITIONS)
    return documents


async def _bare_inserts(cfg: StackConfig, batch: int) -> float:
    """Documents/s of insert_many(ordered=False) of the ledger documents, `batch` at a time, into
    a ledger collection of a database of its own, with the consumer's indexes."""
    documents = _ledger_documents()
    scratch = ServiceDatabase(cfg.mongo_url, f"bench_{uuid.uuid4().hex[:8]}", app_name="bench")
    try:
        await LedgerRepository(scratch.db).ensure_indexes()
        ledger = scratch.db["ledger"]
        started = time.perf_counter()
        for start in range(0, len(documents), batch):
            await ledger.insert_many(documents[start : start + batch], ordered=False)
        return len(documents) / (time.perf_counter() - started)
    finally:
        await scratch.client.drop_database(scratch.db.name)
        await scratch.close()


async def run(
    cfg: StackConfig, shared: SharedSettings, database: ServiceDatabase, report: Report
) -> None:
    topic = shared.topic_prefix + PledgeSigned.topic
    await _publish_backlog(cfg.kafka_bootstrap, topic)
    await _bare_read(cfg.kafka_bootstrap, topic)  # warm the broker's page cache for both
    kafka_ceiling = await _bare_read(cfg.kafka_bootstrap, topic)
    batch = StoreSettings().max_batch
    store_ceiling = await _bare_inserts(cfg, batch)

    totals = database.db["totals"]
    counted = 0
    counted_at = started = time.perf_counter()

    async def all_counted() -> bool:
        nonlocal counted, counted_at
        now = sum([d.get("signed", 0) async for d in totals.find({}, {"signed": 1})])
        if now != counted:
            counted, counted_at = now, time.perf_counter()
        return counted >= EVENTS

    process = start_consumer(shared, database.db.name)
    try:
        await poll_until(
            all_counted,
            CAP_S,
            process,
            "the throughput run",
            every_s=lambda: POLL_S if counted >= NEAR_END * EVENTS else COARSE_POLL_S,
        )
        rss = peak_rss_mb(process.process.pid)
    finally:
        kill(process)
    measured = counted / (counted_at - started)
    scope = "all" if counted >= EVENTS else f"{counted:,} in its {CAP_S} s"
    what = (
        f"counter consumer, one process, {EVENTS:,} new supporters over {CAMPAIGNS} campaigns: "
        f"`counter-consumer` from a cold start (ledger, history, totals in FerretDB, batches of "
        f"{batch:,}; counted {scope}; peak RSS {rss:.0f} MB)"
    )
    for result in (
        Result(
            f"{what} vs a bare aiokafka consumer reading and JSON-decoding them",
            "events/s",
            kafka_ceiling,
            measured,
            "≥ 20,000 events/s",
        ),
        Result(
            f"same run vs a bare `insert_many` of its ledger documents (one per new supporter, "
            f"batches of {batch:,}) into a ledger collection with the same indexes in the same "
            f"FerretDB: the store's ceiling",
            "events/s",
            store_ceiling,
            measured,
            "—",
        ),
    ):
        report.add(result)
    report.add(Memory("counter-consumer", f"the throughput run ({EVENTS:,} events)", rss))
