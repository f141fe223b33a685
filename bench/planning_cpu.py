"""The store's CPU under a mailing's planning, beside a bare find of the same documents: wall
times on a shared machine swing with the load, the CPU seconds FerretDB and its PostgreSQL spend
much less. `python -m bench.planning_cpu [rounds] [tombstones]` (`make up` first; no worker
runs, the plan is made in this process against the stack's FerretDB and Redis): 100,000
recipients as in bench/mailer_mailing.py and as many erasure tombstones as asked (0 unless
given; of other people: the erased have no recipient left), then per round a bare find, the
plan (as mailer-consumer makes it, the tasks queued on a queue of its own), the same mailing to
the confirmed only, and the confirmed-only read alone. To compare with older mailer code:
`PYTHONPATH=<its services/mailer/src> python -m bench.planning_cpu`."""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from celery import Celery
from pymongo import MongoClient
from redis import Redis

from bench.mailer_mailing import BODY, CAMPAIGN, SUBJECT, _recipients
from devstack.config import StackConfig
from devstack.harness.events import mailing_requested
from mailer.application.consumer.enqueue import TaskQueue
from mailer.application.consumer.mailing_plans import MailingPlans
from mailer.repository.audience import AudienceRepository
from mailer.repository.mailings import MailingsRepository
from mobilise_events import LocalisedText
from mobilise_runtime.mongo import ServiceDatabase


class _Titles:
    async def title(self, slug: str) -> LocalisedText:
        return LocalisedText(fr=slug, en=slug)


def _store_pids(cfg: StackConfig) -> list[int]:
    """FerretDB (listening on the stack's port) and PostgreSQL's postmaster."""
    listen = f"--listen-addr=127.0.0.1:{cfg.mongo_port}"
    ferretdb = [int(p) for p in os.listdir("/proc") if p.isdigit() and _is(int(p), listen)]
    postmaster = Path(".local/postgresql/data/postmaster.pid")
    return ferretdb + ([int(postmaster.read_text().split()[0])] if postmaster.exists() else [])


def _is(pid: int, listen: str) -> bool:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    except OSError:
        return False
    return Path(argv[0]).name == "ferretdb" and listen in argv


def _cpu_s(root: int) -> float:
    """CPU seconds of a process, its children that ended (reaped by it), and its live tree."""
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
        if pid == root:
            total += int(fields[13]) + int(fields[14])
        pending += [int(c) for c in children]
    return total / os.sysconf("SC_CLK_TCK")


async def _measured(what: str, pids: list[int], step: Awaitable[object]) -> None:
    before, started = sum(map(_cpu_s, pids)), time.perf_counter()
    await step
    store = sum(map(_cpu_s, pids)) - before
    print(f"{what}: {time.perf_counter() - started:.2f} s, store CPU {store:.2f} s", flush=True)


async def _run(rounds: int, tombstones: int) -> None:
    cfg = StackConfig.from_env()
    name = f"bench_planning_{uuid.uuid4().hex[:8]}"
    mongo: MongoClient[dict[str, Any]] = MongoClient(cfg.mongo_url)
    people = _recipients()
    for start in range(0, len(people), 10_000):
        mongo[name]["recipients"].insert_many(people[start : start + 10_000], ordered=False)
    erased_at = datetime.now(UTC) - timedelta(days=1)
    erased = [{"_id": f"erased-{i:058x}", "erased_at": erased_at} for i in range(tombstones)]
    for start in range(0, len(erased), 10_000):
        mongo[name]["erasures"].insert_many(erased[start : start + 10_000], ordered=False)
    database = ServiceDatabase(cfg.mongo_url, name, app_name="bench")
    audience = AudienceRepository(database.db)
    queue, queue_name = Celery("bench", broker=cfg.redis_url), f"bench-planning-{name}"
    titles: Any = _Titles()  # the campaign's title without asking signup
    plans = MailingPlans(
        audience, MailingsRepository(database.db), titles, TaskQueue(queue, queue_name), 1000
    )
    pids = _store_pids(cfg)

    async def bare() -> None:
        await asyncio.to_thread(lambda: sum(1 for _ in mongo[name]["recipients"].find()))

    async def read() -> None:
        # Older code's read takes the tombstones' erasure times unless told otherwise.
        async for _ in audience.of_campaign(CAMPAIGN):
            pass

    try:
        for _ in range(rounds):
            await _measured("bare find", pids, bare())
            event = mailing_requested(CAMPAIGN, subject=SUBJECT, body=BODY)
            await _measured("plan", pids, plans.plan(event))
            event = mailing_requested(CAMPAIGN, subject=SUBJECT, body=BODY, confirmed_only=True)
            await _measured("plan, confirmed only", pids, plans.plan(event))
            await _measured("confirmed-only read", pids, read())
    finally:
        mongo.drop_database(name)
        mongo.close()
        with Redis.from_url(cfg.redis_url) as redis:
            redis.delete(queue_name)
        await database.close()


if __name__ == "__main__":
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    tombstones = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    asyncio.run(_run(rounds, tombstones))
