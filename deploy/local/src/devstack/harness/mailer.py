"""The mailer's processes for tests — the SendGrid stand-in, `mailer-consumer`, `mailer-worker` —
each real and on this test's own topics, database, Celery queue and stand-in outbox."""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
from pymongo import MongoClient
from pymongo.database import Database

from devstack.harness.processes import Running, free_port, running, service_env
from devstack.harness.signup import TOKEN_KEYS
from mobilise_events import Event
from mobilise_runtime.kafka import EventPublisher
from mobilise_runtime.mongo import Document
from mobilise_runtime.settings import SharedSettings

T = TypeVar("T")
EMAIL_HASH_KEY = "test-email-hash-key"


@contextmanager
def standin(state: Path) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "MOBILISE_SENDGRID_PORT": str(port),
        "MOBILISE_STATE": str(state),
        "MOBILISE_LOG_FORMAT": "json",
    }
    with running("sendgrid-standin", env) as process:
        url = f"http://127.0.0.1:{port}"
        ready = process.wait_http(f"{url}/readyz")
        assert ready.status_code == 200, ready.text
        yield url


@dataclass
class Mailer:
    shared: SharedSettings
    database: str
    queue: str
    standin: str
    signup_url: str
    extra: dict[str, str]

    def env(self, **more: str) -> dict[str, str]:
        settings = {
            "MAILER_MONGO_DATABASE": self.database,
            "MAILER_CELERY_QUEUE": self.queue,
            "MAILER_CONSUMER_GROUP": f"mailer-{self.queue}",
            "MAILER_SENDGRID_API_KEY": "test-key",
            "MAILER_SENDGRID_HOST": self.standin,
            "MAILER_SIGNUP_API_URL": self.signup_url,
            "MAILER_SIGNUP_PUBLIC_URL": self.signup_url,
            "MAILER_EMAIL_HASH_KEY": EMAIL_HASH_KEY,
            "MAILER_TOKEN_KEYS": TOKEN_KEYS,
            "MAILER_WORKER_CONCURRENCY": "2",
            # Quick retries, redeliveries and requeues: tests wait for them.
            "MAILER_SEND_RETRY_BASE_S": "0.2",
            "MAILER_SEND_RETRY_MAX_S": "2",
            "MAILER_CELERY_VISIBILITY_TIMEOUT_S": "5",
            "MAILER_SENDGRID_TIMEOUT_S": "3",
            "MAILER_REQUEUE_AFTER_S": "10",
            "MAILER_REQUEUE_CHECK_S": "1",
        }
        return service_env(self.shared, **{**settings, **self.extra, **more})

    @contextmanager
    def consumer(self) -> Iterator[Running]:
        with running("mailer-consumer", self.env()) as process:
            process.wait_for("partitions assigned", timeout=60)
            yield process

    @contextmanager
    def worker(self, **env: str) -> Iterator[Running]:
        with running("mailer-worker", self.env(**env)) as process:
            process.wait_for("ready", timeout=60)
            yield process

    @contextmanager
    def api(self) -> Iterator[str]:
        port = free_port()
        with running("mailer-api", self.env(MAILER_PORT=str(port))) as process:
            url = f"http://127.0.0.1:{port}"
            ready = process.wait_http(f"{url}/readyz", timeout=60)
            assert ready.status_code == 200, ready.text
            yield url

    @functools.cached_property
    def db(self) -> Database[Document]:
        """The mailer's database, read synchronously by the test."""
        return MongoClient(self.shared.mongo_url, tz_aware=True)[self.database]

    def one(self, collection: str, query: dict[str, Any]) -> Document:
        found = self.db[collection].find_one(query)
        assert found is not None, f"nothing in {collection} matches {query}"
        return found

    def messages(self) -> list[dict[str, Any]]:
        """What the stand-in received, one entry per personalization, oldest first."""
        got: list[dict[str, Any]] = httpx.get(
            f"{self.standin}/_standin/messages", params={"limit": 10_000}, timeout=30
        ).json()
        return got[::-1]

    def count(self) -> int:
        answer = httpx.get(f"{self.standin}/_standin/count", timeout=10).json()
        return int(answer["personalizations"])

    def fault(self, status: int, count: int, retry_after_s: int = 1) -> None:
        fault = {"status": status, "count": count, "retry_after_s": retry_after_s}
        httpx.post(f"{self.standin}/_standin/faults", json=fault).raise_for_status()


def wait_until(check: Callable[[], T | None], *, timeout: float = 60, what: str = "") -> T:
    """Polls `check` until it gives something truthy (bounded)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        time.sleep(0.2)


async def publish(shared: SharedSettings, *events: Event, key: str) -> None:
    publisher = EventPublisher(shared.kafka_bootstrap, prefix=shared.topic_prefix, client_id="t")
    await publisher.start()
    try:
        for event in events:
            await publisher.publish(event, key=key)
    finally:
        await publisher.stop()
