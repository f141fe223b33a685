"""A 100,000-recipient mailing end to end: from mailing.requested on Kafka, through
`mailer-consumer` (plan, 100 Celery tasks) and `mailer-worker` (suppression check, per-supporter
claims, send), to the SendGrid stand-in counting 100,000 personalizations. The baseline sends the
same 100 requests straight to the stand-in with the SendGrid client, one after the other."""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from pymongo import MongoClient

from bench.harness import Memory, Report, Result, largest_peak_rss_mb, peak_rss_mb
from devstack.config import StackConfig
from devstack.harness.events import mailing_requested
from devstack.harness.mailer import EMAIL_HASH_KEY, Mailer, standin, wait_until
from devstack.harness.signup import signup_api
from mailer.adapters.sendgrid import SendGridClient
from mailer.domain.addresses import AddressHasher
from mailer.presentation.messages import MAX_BATCH, Recipient, Sender, newsletter
from mobilise_events import LocalisedText
from mobilise_runtime.kafka import EventPublisher
from mobilise_runtime.settings import SharedSettings

RECIPIENTS = 100_000
CAMPAIGN = "bench-mailing-campaign"
SUBJECT = LocalisedText(fr="Des nouvelles de la campagne", en="News from the campaign")
BODY = LocalisedText(
    fr="Bonjour {{ first_name }},\n\nMerci pour votre soutien !",
    en="Hello {{ first_name }},\n\nThank you for your support!",
)
TIMEOUT_S = 600


def _recipients() -> list[dict[str, Any]]:
    hasher = AddressHasher(EMAIL_HASH_KEY.encode())
    people = []
    signed_at = datetime.now(UTC)
    for i in range(RECIPIENTS):
        email = f"supporter{i}@example.org"
        key = f"{i:064x}"
        people.append(
            {
                "_id": f"{CAMPAIGN}:{key}",
                "campaign_id": CAMPAIGN,
                "campaign_slug": CAMPAIGN,
                "supporter_key": key,
                "email": email,
                "email_hash": hasher(email),
                "first_name": f"Awa{i}",
                "locale": ("fr", "en")[i % 2],
                "country": "FR",
                "newsletter_opt_in": True,
                "confirmed": True,
                "signed_at": signed_at,
                "unsubscribe_token": "gAAAAAB" + f"{i:x}".rjust(280, "y"),
            }
        )
    return people


def _baseline(url: str, people: list[dict[str, Any]]) -> float:
    """Seconds to hand the same mailing to the stand-in from one client, without the pipeline."""
    recipients = [
        Recipient(
            p["email"], p["first_name"], p["locale"], p["supporter_key"], p["unsubscribe_token"]
        )
        for p in people
    ]
    sender = Sender("campagnes@mobilise.example", "mobilise", "http://127.0.0.1:8000")
    client = SendGridClient("bench-key", url)
    started = time.perf_counter()
    bodies = newsletter(
        sender=sender,
        mailing_id=uuid.uuid4(),
        campaign_title=SUBJECT,
        subject=SUBJECT,
        body_template=BODY,
        recipients=recipients,
        batch_size=MAX_BATCH,
    )
    for body in bodies:
        client.send(body)
    return time.perf_counter() - started


def _read_audience(mongo: MongoClient[dict[str, Any]], database: str) -> float:
    """Seconds for a bare find of every recipient document of the mailing, as they are stored:
    the store's floor under the planning phase."""
    started = time.perf_counter()
    read = sum(1 for _ in mongo[database]["recipients"].find({"campaign_id": CAMPAIGN}))
    assert read == RECIPIENTS
    return time.perf_counter() - started


async def _request(shared: SharedSettings) -> None:
    publisher = EventPublisher(
        shared.kafka_bootstrap, prefix=shared.topic_prefix, client_id="bench"
    )
    await publisher.start()
    try:
        event = mailing_requested(CAMPAIGN, subject=SUBJECT, body=BODY)
        await publisher.publish(event, key=CAMPAIGN)
    finally:
        await publisher.stop()


def run(cfg: StackConfig, prefix: str, report: Report) -> None:
    shared = SharedSettings(
        kafka_bootstrap=cfg.kafka_bootstrap,
        mongo_url=cfg.mongo_url,
        redis_url=cfg.redis_url,
        topic_prefix=prefix,
    )
    unique = uuid.uuid4().hex[:8]
    database = f"bench_mailer_{unique}"
    mongo: MongoClient[dict[str, Any]] = MongoClient(cfg.mongo_url)
    people = _recipients()
    try:
        for start in range(0, RECIPIENTS, 10_000):
            mongo[database]["recipients"].insert_many(people[start : start + 10_000], ordered=False)
        with (
            tempfile.TemporaryDirectory() as state,
            standin(Path(state)) as url,
            signup_api(shared, f"bench_signup_{unique}") as signup,
        ):
            baseline_s = _baseline(url, people)
            httpx.delete(f"{url}/_standin/messages").raise_for_status()
            # Batches wait in the queue longer than the tests' requeue delay.
            patience = {"MAILER_REQUEUE_AFTER_S": "600"}
            mailer = Mailer(shared, database, f"bench-{unique}", url, signup.url, patience)

            def counted() -> bool:
                return mailer.count() >= RECIPIENTS

            with mailer.consumer() as consumer, mailer.worker() as worker:
                started = time.perf_counter()
                asyncio.run(_request(shared))
                consumer.wait_for('"mailing planned"', timeout=TIMEOUT_S)
                planned_s = time.perf_counter() - started
                try:
                    wait_until(counted, timeout=TIMEOUT_S, what="the whole mailing")
                except AssertionError:
                    print(consumer.output()[-3000:], worker.output()[-3000:], mailer.count())
                    raise
                ours_s = time.perf_counter() - started
                rss = {
                    "mailer-consumer": peak_rss_mb(consumer.process.pid),
                    "mailer-worker": largest_peak_rss_mb(worker.process.pid),
                }
                assert mailer.count() == RECIPIENTS, "nobody twice"
                print(f"mailer: {RECIPIENTS:,} recipients in {ours_s:.1f} s "
                      f"(baseline {baseline_s:.1f} s)")  # fmt: skip
                report.add(
                    Result(
                        f"mailer: {RECIPIENTS:,}-recipient mailing to the SendGrid stand-in",
                        "recipients/s",
                        RECIPIENTS / baseline_s,
                        RECIPIENTS / ours_s,
                        "whole mailing < 2 min (> 833 recipients/s)",
                    )
                )
                report.add(
                    Result(
                        f"mailer: the same mailing's planning phase (mailing.requested until its "
                        f"{RECIPIENTS // MAX_BATCH} batches are planned; the audience read from "
                        "FerretDB) vs a bare find of the same documents",
                        "ms",
                        _read_audience(mongo, database) * 1000,
                        planned_s * 1000,
                        "half of 20-25 s (≤ 12.5 s)",
                    )
                )
                for process, mb in rss.items():
                    report.add(Memory(process, f"the {RECIPIENTS:,}-recipient mailing", mb))
    finally:
        mongo.drop_database(database)
        mongo.close()
