"""`make bench` keeps every figure it measured: rows are written as they come, a failing benchmark
is a row saying why, and the benchmarks after it still run."""

from __future__ import annotations

from pathlib import Path

from bench.harness import Report, Result, run_each


def result(name: str) -> Result:
    return Result(name, "req/s", 100.0, 60.0, "≥ 60 %")


async def test_a_failing_benchmark_is_reported_and_the_others_still_run(tmp_path: Path) -> None:
    report = Report(tmp_path)
    on_disk: list[str] = []

    async def first(report: Report) -> None:
        report.add(result("first"))

    def measured_then_failed(report: Report) -> None:  # blocking: run in a thread
        report.add(result("measured"))
        on_disk.append(report.path.read_text())  # written before the failure below
        raise AssertionError("did not stop on SIGTERM")

    async def last(report: Report) -> None:
        report.add(result("last"))

    await run_each({"first": first, "mailer": measured_then_failed, "last": last}, report)

    assert "| measured | 100 req/s | 60 req/s | 60% | ≥ 60 % |" in on_disk[0]
    rows = report.path.read_text().splitlines()
    assert [row.split(" | ")[0] for row in rows if row.startswith("| ") and "---" not in row] == [
        "| benchmark",
        "| first",
        "| measured",
        "| mailer: FAILED (AssertionError: did not stop on SIGTERM)",
        "| last",
    ]
    assert report.failures == 1
