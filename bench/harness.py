"""Timing and reporting shared by the benchmarks."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    name: str
    unit: str
    baseline: float
    ours: float
    target: str

    @property
    def ratio(self) -> float:
        return self.ours / self.baseline

    def row(self) -> str:
        return (
            f"| {self.name} | {self.baseline:,.0f} {self.unit} | {self.ours:,.0f} {self.unit} "
            f"| {self.ratio:.0%} | {self.target} |"
        )


HEADER = "| benchmark | baseline | mobilise | ratio | target |\n|---|---|---|---|---|"


async def rate(operation: Callable[[int], Awaitable[None]], count: int, rounds: int = 3) -> float:
    """Best of `rounds` runs of `operation(count)`, in operations per second."""
    best = 0.0
    for _ in range(rounds):
        started = time.perf_counter()
        await operation(count)
        best = max(best, count / (time.perf_counter() - started))
    return best
