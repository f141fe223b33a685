"""A 100,000-recipient mailing end to end: from mailing.requested on Kafka, through
`mailer-consumer` (plan, 100 Celery tasks) and `mailer-worker` (suppression check, per-supporter
claims, send), to the SendGrid stand-in counting 100,000 personalizations. The baseline sends the
same 100 requests straight to the stand-in with the SendGrid client, one after the other."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from pymongo import MongoClient

from bench.harness import Memory, Report, Result, largest_peak_rss_mb, peak_rss_mb, tree_pids
from devstack.config import StackConfig
from devstack.harness.events import mailing_requested
from devstack.harness.mailer import EMAIL_HASH_KEY, Mailer, standin, wait_until
from devstack.harness.signup import ADMIN_TOKEN, TOKEN_KEYS, signup_api
from mailer.adapters.sendgrid import SendGridClient
from mailer.domain.addresses import AddressHasher
from mailer.presentation.messages import MAX_BATCH, Recipient, Sender, newsletter
from mobilise_events import LocalisedText
from mobilise_runtime.kafka import EventPublisher
from mobilise_runtime.link_tokens import Tokens, UnsubscribeClaim
from mobilise_runtime.settings import SharedSettings

RECIPIENTS = 100_000
CAMPAIGN = "bench-mailing-campaign"
SUBJECT = LocalisedText(fr="Des nouvelles de la campagne", en="News from the campaign")
BODY = LocalisedText(
    fr="Bonjour {{ first_name }},\n\nMerci pour votre soutien\u202f!",
    en="Hello {{ first_name }},\n\nThank you for your support!",
)
TIMEOUT_S = 600
# BENCH_PROFILE=<folder>: py-spy records mailer-consumer and the worker during the mailing there.
PROFILE = os.environ.get("BENCH_PROFILE")


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
            }
        )
    return people


def _baseline(url: str, people: list[dict[str, Any]]) -> float:
    """Seconds to hand the same mailing to the stand-in from one client, without the pipeline
    (its unsubscribe links, which the worker mints as it sends, minted before the clock starts)."""
    tokens = Tokens(TOKEN_KEYS, confirm_max_age_s=86_400)
    recipients = [
        Recipient(
            p["email"], p["first_name"], p["locale"], p["supporter_key"],
            tokens.unsubscribe_token(UnsubscribeClaim(p["email"], CAMPAIGN)),
        )
        for p in people
    ]  # fmt: skip
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


def _planning_s(mongo: MongoClient[dict[str, Any]], database: str) -> float:
    """The planning phase by the mailing's own record: from the time its request was made (the
    event's, once this client's producer had started) until the mailer wrote it planned."""
    mailing = mongo[database]["mailings"].find_one({"campaign_id": CAMPAIGN})
    assert mailing is not None, "the mailing is recorded"
    elapsed: timedelta = mailing["planned_at"] - mailing["requested_at"]
    return elapsed.total_seconds()


async def _request(shared: SharedSettings) -> str:
    """Publishes the mailing's request; its id."""
    publisher = EventPublisher(
        shared.kafka_bootstrap, prefix=shared.topic_prefix, client_id="bench"
    )
    await publisher.start()
    try:
        event = mailing_requested(CAMPAIGN, subject=SUBJECT, body=BODY)
        await publisher.publish(event, key=CAMPAIGN)
    finally:
        await publisher.stop()
    return str(event.mailing_id)


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

            with (
                mailer.consumer() as consumer,
                mailer.worker() as worker,
                mailer.api() as api,
                _profiled(consumer.process.pid, worker.process.pid),
            ):
                started = time.perf_counter()
                watcher = _Progress(api, asyncio.run(_request(shared)), mailer.count, started)
                consumer.wait_for('"mailing planned"', timeout=TIMEOUT_S)
                seen_planned_s = time.perf_counter() - started
                planned_s = _planning_s(mongo, database)
                try:
                    wait_until(counted, timeout=TIMEOUT_S, what="the whole mailing")
                except AssertionError:
                    print(consumer.output()[-3000:], worker.output()[-3000:], mailer.count())
                    raise
                finally:
                    watcher.stop()
                ours_s = time.perf_counter() - started
                workers = [peak_rss_mb(pid) for pid in tree_pids(worker.process.pid)]
                rss = {
                    "mailer-consumer": (peak_rss_mb(consumer.process.pid), ""),
                    "mailer-worker": (
                        largest_peak_rss_mb(worker.process.pid),
                        f" (the largest of its {len(workers)} processes; their peaks summed: "
                        f"{sum(workers):,.0f} MB)",
                    ),
                    "mailer-api": (
                        peak_rss_mb(_listener_pid(api)),
                        f" (answering {watcher.answered} progress polls meanwhile)",
                    ),
                }
                assert mailer.count() == RECIPIENTS, "nobody twice"
                first = f"{watcher.first_sent_s:.1f} s" if watcher.first_sent_s else "?"
                print(f"mailer: {RECIPIENTS:,} recipients in {ours_s:.1f} s, planned in "
                      f"{planned_s:.1f} s ({seen_planned_s:.1f} s as this client saw it, its "
                      f"producer's start and the log's polling included), first mail at the "
                      f"stand-in after {first} (baseline {baseline_s:.1f} s)")  # fmt: skip
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
                        f"mailer: the same mailing's planning phase (from the request's time "
                        f"until the mailer records its {RECIPIENTS // MAX_BATCH} batches planned; "
                        f"the audience read from FerretDB; the first mail reached the stand-in "
                        f"after {first}) vs a bare find of the same documents",
                        "ms",
                        _read_audience(mongo, database) * 1000,
                        planned_s * 1000,
                        "≤ 12.5 s (half the 20-25 s of the issue)",
                    )
                )
                for process, (mb, detail) in rss.items():
                    report.add(Memory(process, f"the {RECIPIENTS:,}-recipient mailing{detail}", mb))
    finally:
        mongo.drop_database(database)
        mongo.close()


class _Progress:
    """Polls the mailing's progress on `mailer-api` (as the console does while it sends), so that
    the API's memory is measured under a load of its own."""

    def __init__(self, api: str, mailing_id: str, sent: Callable[[], int], started: float) -> None:
        self._mailing_id = mailing_id
        self._sent = sent
        self._started = started
        self.first_sent_s: float | None = None  # when the stand-in had its first mail
        self.answered = 0
        self._done = threading.Event()
        self._client = httpx.Client(
            base_url=api, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=30
        )
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        with self._client:
            while not self._done.wait(0.5):
                answer = self._client.get(f"/api/v1/mailings/{self._mailing_id}")
                self.answered += answer.status_code == 200
                if self.first_sent_s is None and self._sent() > 0:
                    self.first_sent_s = time.perf_counter() - self._started

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


def _listener_pid(url: str) -> int:
    """The pid of the process serving `url`'s port (the API, not the shell around it)."""
    port = url.rsplit(":", 1)[1]
    out = subprocess.run(
        ["ss", "-Hltnp", f"sport = :{port}"], capture_output=True, text=True, check=True
    ).stdout
    return int(out.split("pid=", 1)[1].split(",", 1)[0])


@contextmanager
def _profiled(*pids: int) -> Iterator[None]:
    """py-spy records each of `pids` (and its children) into BENCH_PROFILE, if set."""
    if not PROFILE:
        yield
        return
    Path(PROFILE).mkdir(parents=True, exist_ok=True)
    binary = str(Path(sys.executable).parent / "py-spy")
    spies = [
        subprocess.Popen(
            [
                binary,
                "record",
                "--subprocesses",
                "--format",
                "speedscope",
                "--rate",
                "50",
                "--pid",
                str(pid),
                "--output",
                f"{PROFILE}/{pid}.json",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for pid in pids
    ]
    try:
        yield
    finally:
        for spy in spies:
            spy.send_signal(signal.SIGINT)  # py-spy writes its profile and exits
            spy.wait(timeout=120)
