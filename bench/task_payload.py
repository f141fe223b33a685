"""What one newsletter batch of 1,000 recipients weighs, through the mailer's own code against the
local stack's FerretDB and Redis (`make up` first; nothing else runs): the recipient documents as
mailer-consumer writes them (BSON, what the store decodes when a mailing is planned), the task's
payload (JSON) and its Celery message as it waits in Redis (kombu's envelope), with the CPU the
consumer spends queueing it and a worker reading it. `python -m bench.task_payload`. To compare
with older mailer code: `PYTHONPATH=<its services/mailer/src> python -m bench.task_payload`
(each signup is handed over with an unsubscribe token minted as earlier consumers did: a mailer
that keeps them stores them)."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import bson
from cryptography.fernet import Fernet
from pymongo import AsyncMongoClient
from redis import Redis

from devstack.config import StackConfig
from devstack.harness.events import signed
from mailer.adapters.queue import create_celery
from mailer.application.consumer.enqueue import TaskQueue
from mailer.domain.addresses import AddressHasher
from mailer.repository.audience import AudienceRepository
from mailer.schemas.specs import newsletter_payload, read_task
from mailer.settings import Settings
from mobilise_events import LocalisedText, Signup
from mobilise_runtime.link_tokens import Tokens, UnsubscribeClaim

RECIPIENTS = 1000  # one batch: one SendGrid request
ROUNDS = 20
TITLE = LocalisedText(fr="Des nouvelles de la campagne", en="News from the campaign")


def _signups(campaign: str, tokens: Tokens) -> list[Signup]:
    now = datetime.now(UTC)
    made = [
        signed(
            campaign_id=campaign, campaign_slug=campaign, supporter_key=f"{i:064x}",
            email=f"supporter{i}@example.org", first_name=f"Awa{i}", occurred_at=now,
        )
        for i in range(RECIPIENTS)
    ]  # fmt: skip
    leave = [tokens.unsubscribe_token(UnsubscribeClaim(s.email, campaign)) for s in made]
    return [s.model_copy(update={"unsubscribe_token": t}) for s, t in zip(made, leave, strict=True)]


def _median_ms(spent: list[float]) -> float:
    return statistics.median(spent) * 1000


async def main() -> None:
    cfg = StackConfig.from_env()
    run = uuid.uuid4().hex[:8]
    database, queue, campaign = f"bench_payload_{run}", f"bench-payload-{run}", f"c-{run}"
    hasher = AddressHasher(b"bench")
    tokens = Tokens(Fernet.generate_key().decode(), confirm_max_age_s=86_400)
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(cfg.mongo_url, tz_aware=True)
    os.environ["MOBILISE_REDIS_URL"] = cfg.redis_url
    celery = create_celery(Settings(celery_queue=queue))
    redis = Redis.from_url(cfg.redis_url)
    try:
        audience = AudienceRepository(mongo[database])
        await audience.record_signups([(s, hasher(s.email)) for s in _signups(campaign, tokens)])
        documents = [d async for d in audience.of_campaign(campaign, confirmed_only=False)]
        stored = sum(len(bson.encode(d)) for d in documents)
        payload = newsletter_payload(
            batch_id=f"{run}:plan:00000", campaign_id=campaign, mailing_id=str(uuid.uuid4()),
            campaign_title=TITLE, subject=TITLE, body_template=TITLE, recipients=iter(documents),
        )  # fmt: skip
        tasks = TaskQueue(celery, queue)
        queueing = []
        for _ in range(ROUNDS):
            started = time.process_time()
            await tasks.enqueue([payload])
            queueing.append(time.process_time() - started)
        message = redis.lindex(queue, 0)
        assert isinstance(message, bytes)
        reading = []
        for _ in range(ROUNDS):
            started = time.process_time()
            read_task(json.loads(json.dumps(payload)))
            reading.append(time.process_time() - started)
        print(
            f"{RECIPIENTS:,} recipients: documents {stored:,} B ({stored // RECIPIENTS} B each), "
            f"payload {len(json.dumps(payload)):,} B of JSON, Celery message in Redis "
            f"{len(message):,} B; queueing it {_median_ms(queueing):.1f} ms CPU, a worker's "
            f"read of the payload {_median_ms(reading):.1f} ms CPU (medians of {ROUNDS})"
        )
        print("a recipient in the payload:", json.dumps(payload["recipients"][0]))
    finally:
        redis.delete(queue)
        redis.close()
        celery.close()
        await mongo.drop_database(database)
        await mongo.close()


if __name__ == "__main__":
    asyncio.run(main())
