"""`make bench`: starts the local infrastructure if needed, runs every benchmark, prints a table.
`python -m bench counter`: the counter's benchmarks alone."""

from __future__ import annotations

import asyncio
import sys
import uuid

from aiokafka.admin import AIOKafkaAdminClient

from bench import counter_consumer, kafka_publish, mailer_mailing, signup_intake
from bench.harness import HEADER, Result
from devstack.config import StackConfig
from devstack.stack import down, up
from mobilise_runtime.kafka import ensure_topics


async def _run_all(cfg: StackConfig) -> list[Result]:
    prefix = f"bench{uuid.uuid4().hex[:8]}."
    created = await ensure_topics(cfg.kafka_bootstrap, prefix=prefix)
    try:
        publish = await kafka_publish.run(cfg.kafka_bootstrap, prefix)
        intake = await asyncio.to_thread(signup_intake.run, cfg, prefix)
        counter = await counter_consumer.run(cfg)
        mailing = await asyncio.to_thread(mailer_mailing.run, cfg, prefix)
        return [publish, intake, *counter, mailing]
    finally:
        admin = AIOKafkaAdminClient(bootstrap_servers=cfg.kafka_bootstrap)
        await admin.start()
        await admin.delete_topics(created)
        await admin.close()


def main() -> None:
    cfg = StackConfig.from_env()
    started = up(cfg)
    try:
        only_counter = sys.argv[1:] == ["counter"]
        results = asyncio.run(counter_consumer.run(cfg) if only_counter else _run_all(cfg))
    finally:
        down(cfg, started)
    print(HEADER)
    for result in results:
        print(result.row())


main()
