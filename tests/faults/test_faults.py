"""Whole-stack faults under load (issue #19): every process real, pledges and confirmations
coming while something is killed, frozen or restarted; afterwards every accepted pledge is counted
exactly once and every email sent exactly once (tests/faults/checker.py). Each scenario strikes at
a seeded random moment (MOBILISE_FAULT_SEED replays one; the seed is in every failure message)."""

from __future__ import annotations

import os
import random
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.config import StackConfig
from devstack.harness.infra import kill_infra, restart_infra
from mobilise_runtime.settings import SharedSettings
from tests.faults import scenario
from tests.faults.stack import Stack, whole_stack


@pytest.fixture
def seed() -> int:
    chosen = int(os.environ.get("MOBILISE_FAULT_SEED") or random.randrange(1_000_000))
    print(f"MOBILISE_FAULT_SEED={chosen}")
    return chosen


@pytest.fixture
def whole(shared_settings: SharedSettings, unique: str, tmp_path: Path) -> Iterator[Stack]:
    with whole_stack(shared_settings, unique, tmp_path) as started:
        yield started


def killed_and_restarted(whole: Stack, role: str) -> None:
    whole.kill(role)
    whole.start(role)


@pytest.mark.parametrize(
    "role", ["counter-consumer", "mailer-consumer", "signup-projector", "mailer-worker"]
)
async def test_kill_9(whole: Stack, seed: int, role: str) -> None:
    """kill -9 of one process (a worker's whole group: mid-send, with mails flowing all along),
    started again at once."""
    await scenario.run(whole, seed, f"kill -9 {role}", lambda: killed_and_restarted(whole, role))


async def test_consumer_frozen_past_its_session(whole: Stack, seed: int) -> None:
    """SIGSTOP of one of two counter members, if it can be, with a batch in hand (its ledger
    written, its totals not yet), until the other has taken its partitions, then SIGCONT: the
    zombie resumes its batch with a stale view, and must not count anything twice or lose any."""
    frozen = whole.roles["counter-consumer"][0]
    other = whole.start("counter-consumer")
    rng = random.Random(seed)

    def freeze_then_resume() -> None:
        assigned = sum("partitions assigned" in line for line in other.lines)
        # Brief freezes (3 s in all, well within its session) until one catches a batch.
        frozen_s = 0.0
        while frozen_s < 3:
            os.killpg(frozen.process.pid, signal.SIGSTOP)
            started = time.monotonic()
            if whole.counter_batch_in_hand():
                print("froze a counter-consumer with a batch in hand")
                break
            os.killpg(frozen.process.pid, signal.SIGCONT)
            frozen_s += time.monotonic() - started
            time.sleep(rng.uniform(0, 0.02))
        os.killpg(frozen.process.pid, signal.SIGSTOP)
        deadline = time.monotonic() + 60
        try:
            while sum("partitions assigned" in line for line in other.lines) == assigned:
                assert time.monotonic() < deadline, "the other member never took the partitions"
                time.sleep(0.2)
        finally:
            os.killpg(frozen.process.pid, signal.SIGCONT)

    await scenario.run(whole, seed, "SIGSTOP counter-consumer, then SIGCONT", freeze_then_resume)


async def test_kafka_broker_killed(whole: Stack, stack: StackConfig, seed: int) -> None:
    """kill -9 of the broker, started again: signups answer 503 meanwhile, never a 202 lost."""

    def kill_and_restart() -> None:
        kill_infra(stack, "kafka")
        restart_infra(stack, "kafka")

    await scenario.run(whole, seed, "kill -9 Kafka", kill_and_restart, refusals_allowed=True)


async def test_ferretdb_stopped(whole: Stack, stack: StackConfig, seed: int) -> None:
    """FerretDB stopped, then started again: every process waits for it (none exits: `make run`
    would stop everything), and the same processes are caught up afterwards."""
    before = whole.pids()

    def stop_and_start() -> None:
        kill_infra(stack, "ferretdb", signal.SIGTERM)
        time.sleep(random.Random(seed).uniform(1, 5))
        restart_infra(stack, "ferretdb")

    await scenario.run(whole, seed, "FerretDB stopped", stop_and_start, refusals_allowed=True)
    assert whole.pids() == before, f"seed {seed}: processes replaced: {before} → {whole.pids()}"


async def test_redis_restarted_empty(whole: Stack, stack: StackConfig, seed: int) -> None:
    """Redis keeps nothing across a restart here (devstack runs it without persistence): the
    Celery tasks it held are lost, and found again by the mailer's requeue. The mailer-worker
    stays up (its Celery worker, if kombu's Redis transport makes it exit, is started again by
    the worker's own supervisor: mailer/entrypoints/worker.py)."""

    def restart() -> None:
        kill_infra(stack, "redis", signal.SIGKILL)
        restart_infra(stack, "redis")

    await scenario.run(whole, seed, "Redis restarted empty", restart, refusals_allowed=True)


async def test_two_faults_overlapping(whole: Stack, stack: StackConfig, seed: int) -> None:
    """The counter's consumer killed while Kafka is away; the mailer's worker killed as it
    comes back."""

    def overlapping() -> None:
        kill_infra(stack, "kafka")
        whole.kill("counter-consumer")
        restart_infra(stack, "kafka")
        whole.kill("mailer-worker")
        whole.start("counter-consumer")
        whole.start("mailer-worker")

    await scenario.run(
        whole, seed, "kill -9 Kafka and counter-consumer, then mailer-worker", overlapping,
        refusals_allowed=True,
    )  # fmt: skip
