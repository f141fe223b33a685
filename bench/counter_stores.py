"""`python -m bench counter-stores` (not part of `make bench`: the store benchmark runs the
throughput half already): the counter's benchmarks (throughput against its same-run ceilings,
then lag at 1,000 signups/s: counter_consumer.py) on a fresh FerretDB of each backend, one after
the other, on the stack's Kafka (store_backends.py's scratch stores: free ports, data removed
after). For comparing the counter's own changes on both backends."""

from __future__ import annotations

from bench import counter_consumer
from bench.harness import Report
from bench.store_backends import NAMES, Labelled, scratch_stores
from devstack.config import STORES, StackConfig


async def run(cfg: StackConfig, _prefix: str, report: Report) -> None:
    with scratch_stores(cfg) as scratch:
        for store in STORES:
            labelled = Labelled(report, f"FerretDB on {NAMES[store]}")
            try:
                await counter_consumer.run(scratch[store], "", labelled)
            except Exception as error:  # the other backend still runs
                labelled.failed("counter", error)
