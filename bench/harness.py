"""Timing and reporting shared by the benchmarks."""

from __future__ import annotations

import asyncio
import inspect
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

RESULTS = Path(__file__).parent / "results"
HEADER = "| benchmark | baseline | mobilise | ratio | target |\n|---|---|---|---|---|"


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


@dataclass(frozen=True)
class Memory:
    """A process's peak resident memory under its benchmark's load (no baseline: the target)."""

    process: str
    load: str
    mb: float
    target_mb: float = 150

    def row(self) -> str:
        met = "met" if self.mb < self.target_mb else "NOT met"
        return (
            f"| peak RSS of `{self.process}` under {self.load} | — | {self.mb:,.0f} MB | — "
            f"| < {self.target_mb:,.0f} MB ({met}) |"
        )


class Report:
    """One run's table, in markdown: each row is printed and appended to the run's file as soon as
    it is measured, so a benchmark that fails later (or a run cut short) loses no earlier figure."""

    def __init__(self, folder: Path = RESULTS) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{datetime.now(UTC):%Y-%m-%dT%H%M%SZ}.md"
        self.failures = 0
        self._write(f"# make bench, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n\n{HEADER}")

    def add(self, result: Result | Memory) -> None:
        self._write(result.row())

    def failed(self, benchmark: str, error: BaseException) -> None:
        """A row saying that `benchmark` failed and why (its other rows, if any, are kept)."""
        self.failures += 1
        reason = " ".join(str(error).split())[:300] or type(error).__name__
        self._write(f"| {benchmark}: FAILED ({type(error).__name__}: {reason}) | — | — | — | — |")
        traceback.print_exception(error)

    def _write(self, text: str) -> None:
        print(text, flush=True)
        with self.path.open("a") as out:
            out.write(text + "\n")


# A benchmark writes its rows into the report; a blocking one is run in a thread.
Benchmark = Callable[[Report], Awaitable[None] | None]


async def run_each(benchmarks: Mapping[str, Benchmark], report: Report) -> None:
    """Every benchmark in turn; one that fails gets a row saying so, and the next one still runs."""
    for name, benchmark in benchmarks.items():
        try:
            if inspect.iscoroutinefunction(benchmark):
                await benchmark(report)
            else:
                await asyncio.to_thread(benchmark, report)
        except Exception as error:
            report.failed(name, error)


async def rate(operation: Callable[[int], Awaitable[None]], count: int, rounds: int = 3) -> float:
    """Best of `rounds` runs of `operation(count)`, in operations per second."""
    best = 0.0
    for _ in range(rounds):
        started = time.perf_counter()
        await operation(count)
        best = max(best, count / (time.perf_counter() - started))
    return best


def wrk(url: str, *, connections: int, seconds: int, script: str | None = None) -> float:
    """Requests/s that `wrk` (one thread) reached against `url`; any non-2xx answer is an error."""
    binary = shutil.which("wrk")
    if binary is None:
        sys.exit("bench needs wrk: apt-get install wrk (make bench installs it)")
    with tempfile.TemporaryDirectory() as folder:
        args = [binary, "-t1", f"-c{connections}", f"-d{seconds}s", url]
        if script is not None:
            (Path(folder) / "script.lua").write_text(script)
            args[4:4] = ["-s", str(Path(folder) / "script.lua")]
        out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"errors under load:\n{out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if match is None:
        raise RuntimeError(out)
    return float(match.group(1))


def answers(url: str) -> bool:
    """Whether a server answers `url` (any status below 500): for waiting until it is up."""
    try:
        return httpx.get(url, timeout=1).status_code < 500
    except httpx.TransportError:
        return False


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (Linux)."""
    status = Path(f"/proc/{pid}/status").read_text()
    kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
    return kib / 1024


def tree_pids(pid: int) -> list[int]:
    """The process and its descendants (mailer-worker's supervisor, its Celery worker and that
    one's pool), each a process of its own."""
    children = [
        int(child)
        for task in Path(f"/proc/{pid}/task").iterdir()
        for child in (task / "children").read_text().split()
    ]
    return [pid, *(descendant for child in children for descendant in tree_pids(child))]


def largest_peak_rss_mb(pid: int) -> float:
    """The largest peak resident memory among the process and its descendants."""
    return max(peak_rss_mb(p) for p in tree_pids(pid))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
