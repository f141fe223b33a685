"""`python -m bench.counter_stores [sqlite] [postgresql]`: the counter's benchmarks (throughput
against its same-run ceilings, then lag at 1,000 signups/s: bench/counter_consumer.py) on a
fresh FerretDB of each backend, one after the other, on the stack's Kafka (store_backends.py's
scratch stores: free ports, data removed after). For comparing the counter's own changes on both
backends without the store benchmark's probes; rows go to bench/results/ like `make bench`'s."""

from __future__ import annotations

import asyncio
import sys

from bench import counter_consumer
from bench.harness import Report
from bench.store_backends import NAMES, Labelled, scratch_stores
from devstack.config import STORES, StackConfig
from devstack.stack import down, up


async def _run(cfg: StackConfig, stores: list[str], report: Report) -> None:
    with scratch_stores(cfg) as scratch:
        for store in stores:
            labelled = Labelled(report, f"FerretDB on {NAMES[store]}")
            try:
                await counter_consumer.run(scratch[store], "", labelled)
            except Exception as error:  # the other backend still runs
                labelled.failed("counter", error)


def main() -> None:
    stores = sys.argv[1:] or list(STORES)
    unknown = [store for store in stores if store not in STORES]
    if unknown:
        sys.exit(f"unknown store {unknown}; choose among {list(STORES)}")
    cfg = StackConfig.from_env()
    report = Report()
    started = up(cfg, ["kafka"])
    try:
        asyncio.run(_run(cfg, stores, report))
    finally:
        down(cfg, started)
    print(f"\n{report.path}: {report.failures} failed")
    sys.exit(1 if report.failures else 0)


if __name__ == "__main__":
    main()
