"""The counter's benchmarks, each on topics and a database of its own: events/s of one consumer
process (counter_throughput.py), signup-to-visible lag at a steady rate (counter_lag.py)."""

from __future__ import annotations

from bench import counter_lag, counter_throughput
from bench.counter_process import isolated
from bench.harness import Report
from devstack.config import StackConfig


async def run(cfg: StackConfig, _prefix: str, report: Report) -> None:
    try:
        await isolated(cfg, report, counter_throughput.run)
    except Exception as error:  # the lag benchmark still runs
        report.failed("counter throughput", error)
    await isolated(cfg, report, counter_lag.run)
