"""`make bench`: starts the local infrastructure if needed, runs every benchmark and writes the
table row by row (printed, and in bench/results/<time>.md). A benchmark that fails is reported
with its reason and the others still run. `python -m bench counter mailer`: only those
(`counter-stores` runs only when named)."""

from __future__ import annotations

import asyncio
import functools
import inspect
import sys
import uuid
from collections.abc import Awaitable, Callable

from bench import (
    campaign_page,
    counter_consumer,
    counter_stores,
    counter_viewers,
    kafka_publish,
    mailer_mailing,
    signup_intake,
    store_backends,
)
from bench.harness import Report, run_each
from devstack.config import StackConfig
from devstack.harness.isolation import own_topics
from devstack.stack import down, up

# Each takes (the stack, a topic prefix of this run, the report).
BENCHMARKS: dict[str, Callable[[StackConfig, str, Report], Awaitable[None] | None]] = {
    "kafka": kafka_publish.run,
    "intake": signup_intake.run,
    "page": campaign_page.run,
    "counter": counter_consumer.run,
    "viewers": counter_viewers.run,
    "mailer": mailer_mailing.run,
    "store": store_backends.run,
    "counter-stores": counter_stores.run,
}
# Run only when named.
ON_REQUEST = {"counter-stores"}


async def _on_own_topics(cfg: StackConfig, name: str, report: Report) -> None:
    """Runs benchmark `name` on topics of its own: none waits behind another's events (the
    mailer's consumer would otherwise first mail every signup the intake benchmark made)."""
    async with own_topics(cfg.kafka_bootstrap, f"bench{name}{uuid.uuid4().hex[:8]}.") as prefix:
        benchmark = BENCHMARKS[name]
        if inspect.iscoroutinefunction(benchmark):
            await benchmark(cfg, prefix, report)
        else:
            await asyncio.to_thread(benchmark, cfg, prefix, report)


async def _run(cfg: StackConfig, names: list[str], report: Report) -> None:
    await run_each({name: functools.partial(_on_own_topics, cfg, name) for name in names}, report)


def main() -> None:
    names = sys.argv[1:] or [name for name in BENCHMARKS if name not in ON_REQUEST]
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        sys.exit(f"unknown benchmark {unknown}; choose among {list(BENCHMARKS)}")
    cfg = StackConfig.from_env()
    report = Report()
    started = up(cfg)
    try:
        asyncio.run(_run(cfg, names, report))
    finally:
        down(cfg, started)
    print(f"\n{report.path}: {report.failures} of {len(names)} benchmarks failed")
    sys.exit(1 if report.failures else 0)


if __name__ == "__main__":
    main()
