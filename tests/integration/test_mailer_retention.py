"""mailer-retention against seeded data in the real FerretDB and Redis: what the policy says must
go goes, what must stay stays (a newsletter's progress too), and a second run changes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from devstack.config import StackConfig
from mailer.entrypoints.retention import prune, prune_celery_results
from mailer.repository.mailings import MailingsRepository
from mailer.repository.sending import SendingStore, connect
from mobilise_runtime.mongo import ServiceDatabase
from mobilise_runtime.retention import RetentionPolicy

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
COLLECTIONS = (
    "webhook_events",
    "mail_batches",
    "mail_batch_members",
    "mail_log",
    "mail_sends",
    "mail_dead_letters",
    "mailings",
)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def batch(_id: str, kind: str, state: str, days: float, **more: Any) -> dict[str, Any]:
    return {
        "_id": _id,
        "kind": kind,
        "campaign_id": "c-1",
        "size": 2,
        "state": state,
        "created_at": ago(days + 1),
        "updated_at": ago(days),
        **more,
    }


def mailing(_id: str, days: float) -> dict[str, Any]:
    return {"_id": _id, "campaign_id": "c-1", "plan": "p", "planned": 4, "suppressed": 1,
            "batches": 2, "planned_at": ago(days)}  # fmt: skip


def newsletter(mailing_id: str, n: int, state: str, days: float, plan: str = "p") -> Any:
    sent = {"sent": 1, "failed": 0, "suppressed": 1} if state == "sent" else {}
    return batch(f"{mailing_id}:{plan}:{n}", "newsletter", state, days,
                 mailing_id=mailing_id, plan=plan, **sent)  # fmt: skip


async def seed(database: ServiceDatabase) -> None:
    db = database.db
    await db["webhook_events"].insert_many(
        [{"_id": "old", "event": "bounce", "received_at": ago(8)},
         {"_id": "new", "event": "bounce", "received_at": ago(6)}]
    )  # fmt: skip
    await db["mailings"].insert_many([mailing("done", 100), mailing("busy", 100),
                                      mailing("recent", 10)])  # fmt: skip
    newsletters = [
        newsletter("done", 0, "sent", 95),
        newsletter("done", 1, "sent", 92),
        newsletter("done", 0, "queued", 99, plan="lost"),  # an attempt that lost: never queued
        newsletter("busy", 0, "sent", 95),
        newsletter("busy", 1, "retrying", 95),
        newsletter("recent", 0, "sent", 9),
    ]
    await db["mail_batches"].insert_many(
        [batch("welcome:c-1:old", "welcome", "sent", 91),
         batch("confirmation:c-1:old", "confirmation", "failed", 91),
         batch("welcome:c-1:waiting", "welcome", "queued", 91),
         batch("welcome:c-1:recent", "welcome", "sent", 89),
         *newsletters]
    )  # fmt: skip
    await db["mail_batch_members"].insert_many(
        [{"_id": b["_id"], "mailing_id": b["mailing_id"], "plan": b["plan"],
          "supporter_keys": ["k1", "k2"]} for b in newsletters]
    )  # fmt: skip
    await db["mail_log"].insert_many(
        [{"_id": "done:k1", "batch_id": "done:p:0", "campaign_id": "c-1", "supporter_key": "k1",
          "claimed_at": ago(95)},
         {"_id": "recent:k1", "batch_id": "recent:p:0", "campaign_id": "c-1",
          "supporter_key": "k1", "claimed_at": ago(9)}]
    )  # fmt: skip
    await db["mail_sends"].insert_many(
        [{"_id": "welcome:c-1:old:0", "batch_id": "welcome:c-1:old", "campaign_id": "c-1",
          "taken_at": ago(91)},
         {"_id": "welcome:c-1:recent:0", "batch_id": "welcome:c-1:recent", "campaign_id": "c-1",
          "taken_at": ago(89)}]
    )  # fmt: skip
    await db["mail_dead_letters"].insert_many(
        [{"_id": "done:p:9", "campaign_id": "c-1", "supporter_keys": ["k3"],
          "reason": "400", "at": ago(181)},
         {"_id": "busy:p:9", "campaign_id": "c-1", "supporter_keys": ["k3"],
          "reason": "400", "at": ago(179)}]
    )  # fmt: skip


async def snapshot(database: ServiceDatabase) -> dict[str, list[dict[str, Any]]]:
    return {c: await database.db[c].find().sort("_id", 1).to_list() for c in COLLECTIONS}


async def ids(database: ServiceDatabase, collection: str) -> set[str]:
    return {d["_id"] async for d in database.db[collection].find({}, {"_id": 1})}


async def test_mailer_retention_prunes_what_the_policy_says_and_only_that(
    database: ServiceDatabase, stack: StackConfig
) -> None:
    await seed(database)
    mailings = MailingsRepository(database.db)
    progress_before = {m: await mailings.progress(m) for m in ("done", "busy", "recent")}

    removed = await prune(database.db, RetentionPolicy(), NOW)

    assert removed == {
        "webhook_events": 1,
        "mail_batches": 5,  # two signup emails, the finished mailing's three
        "mail_batch_members": 3,
        "mail_sends": 1,
        "mail_log (reduced to hashes)": 1,
        "mail_dead_letters": 1,
    }
    assert await ids(database, "webhook_events") == {"new"}
    assert await ids(database, "mail_batches") == {
        "welcome:c-1:waiting",  # not finished: its task may still send it
        "welcome:c-1:recent",
        "busy:p:0",  # its mailing is not finished
        "busy:p:1",
        "recent:p:0",
    }
    assert await ids(database, "mail_batch_members") == {"busy:p:0", "busy:p:1", "recent:p:0"}
    assert await ids(database, "mail_dead_letters") == {"busy:p:9"}
    assert await ids(database, "mail_sends") == {"welcome:c-1:recent:0"}
    log = {d["_id"]: d for d in await database.db["mail_log"].find().to_list()}
    assert log["done:k1"] == {"_id": "done:k1", "campaign_id": "c-1", "supporter_key": "k1"}
    assert "claimed_at" in log["recent:k1"]
    # Progress is what it was, its batches gone or not.
    assert {m: await mailings.progress(m) for m in progress_before} == progress_before

    # A reduced claim still stops a second mail to the same supporter for the same message.
    worker = SendingStore(connect(stack.mongo_url, database.db.name))
    assert worker.claim("done", "done:p:7", "c-1", ["k1"]) == []

    after_first = await snapshot(database)
    again = await prune(database.db, RetentionPolicy(), NOW)
    assert set(again.values()) == {0}
    assert await snapshot(database) == after_first


async def test_celery_results_without_expiry_are_removed(stack: StackConfig, unique: str) -> None:
    redis = Redis.from_url(stack.redis_url)
    forever, expiring = f"celery-task-meta-{unique}-a", f"celery-task-meta-{unique}-b"
    try:
        await redis.set(forever, b"{}")
        await redis.set(expiring, b"{}", ex=600)
        assert await prune_celery_results(redis) >= 1
        assert await redis.exists(forever) == 0
        assert await redis.exists(expiring) == 1
        await prune_celery_results(redis)
        assert await redis.exists(expiring) == 1
    finally:
        await redis.delete(forever, expiring)
        await redis.aclose()


@pytest.mark.parametrize(
    ("script", "database_variable", "removed"),
    [
        ("mailer-retention", "MAILER_MONGO_DATABASE", "webhook_events"),
        ("signup-retention", "SIGNUP_MONGO_DATABASE", "supporters"),
    ],
)
def test_each_retention_job_is_a_script_that_reports_what_it_removed(
    stack: StackConfig, unique: str, script: str, database_variable: str, removed: str
) -> None:
    env = {
        **os.environ,
        "MOBILISE_MONGO_URL": stack.mongo_url,
        "MOBILISE_REDIS_URL": stack.redis_url,
        "MOBILISE_LOG_FORMAT": "json",
        database_variable: f"test_{unique}",
    }
    path = Path(sys.executable).parent / script
    done = subprocess.run([path], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    report = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    applied = [r for r in report if r["event"] == "retention applied"]
    assert applied[0]["service"] == script
    assert applied[0]["removed"][removed] == 0
    assert applied[0]["policy"]["closed_campaign_days"] == 180
