"""Whole-stack faults under load (issue #19): signup-api, Kafka, counter-consumer(s) and
counter-api, real processes; pledges keep coming while a consumer is killed or frozen; afterwards
every accepted pledge is counted exactly once. Each scenario strikes at a seeded random moment
(MOBILISE_FAULT_SEED to replay one; the seed is in every failure message)."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest
from pymongo import MongoClient

from devstack.harness.processes import Running, free_port, running, service_env
from devstack.harness.signup import SignupService, signup_api
from mobilise_events import PledgeSigned
from mobilise_runtime.mongo import Document
from mobilise_runtime.settings import SharedSettings
from tests.faults import checker, load
from tests.kafka_reader import end_offsets, read_events

PLEDGES = 500
RATE = 40.0  # pledges a second: the load lasts about 12 s
SETTLE_S = 90  # a restarted or surviving member waits out the lost one's session (10 s)


@pytest.fixture
def seed() -> int:
    chosen = int(os.environ.get("MOBILISE_FAULT_SEED") or random.randrange(1_000_000))
    print(f"MOBILISE_FAULT_SEED={chosen}")
    return chosen


class Counter:
    """counter-api and any number of counter-consumer members of one group."""

    def __init__(self, shared: SharedSettings, unique: str, signup: SignupService) -> None:
        self.url = f"http://127.0.0.1:{free_port()}"
        self.env = service_env(
            shared,
            COUNTER_MONGO_DATABASE=f"counter_{unique}",
            COUNTER_CONSUMER_GROUP=f"counter-{unique}",
            COUNTER_PORT=self.url.rsplit(":", 1)[1],
            COUNTER_SIGNUP_URL=signup.url,
        )
        self.stack = ExitStack()

    def consumer(self) -> Running:
        member = self.stack.enter_context(running("counter-consumer", self.env))
        member.wait_for("partitions assigned", timeout=60)
        return member

    def api(self) -> None:
        api = self.stack.enter_context(running("counter-api", self.env))
        assert api.wait_http(f"{self.url}/readyz", timeout=60).status_code == 200


@pytest.fixture
def stack(shared_settings: SharedSettings, unique: str) -> Iterator[tuple[SignupService, Counter]]:
    with signup_api(shared_settings, f"signup_{unique}") as signup:
        counter = Counter(shared_settings, unique, signup)
        with counter.stack:
            counter.api()
            yield signup, counter
    mongo: MongoClient[Document]
    with MongoClient(shared_settings.mongo_url) as mongo:
        for name in (f"signup_{unique}", f"counter_{unique}"):
            mongo.drop_database(name)


def campaigns(signup: SignupService) -> tuple[dict[str, str], dict[str, bool]]:
    """Three campaigns: slug → consent version, slug → double opt-in."""
    consents: dict[str, str] = {}
    double: dict[str, bool] = {}
    for double_opt_in in (True, False, True):
        campaign = signup.create_campaign(double_opt_in=double_opt_in)
        consents[campaign["slug"]] = campaign["consent"]["version"]
        double[campaign["slug"]] = double_opt_in
    return consents, double


async def _confirm_links(signup: SignupService, double: dict[str, bool]) -> dict[str, load.Confirm]:
    """Every double opt-in pledge's confirmation link so far, by email: what the supporter finds
    in their confirmation email (read here from the topic, the mailer not being part of this)."""
    shared = signup.shared
    topic = shared.topic_prefix + PledgeSigned.topic
    count = sum((await end_offsets(shared.kafka_bootstrap, topic)).values())
    events = await read_events(shared.kafka_bootstrap, topic, shared.topic_prefix, count=count)
    return {
        e.email: load.Confirm(e.campaign_slug, e.email, e.confirm_token)
        for e in events
        if isinstance(e, PledgeSigned) and e.confirm_token and double[e.campaign_slug]
    }


async def _under_load(
    signup: SignupService, counter: Counter, seed: int, fault: Callable[[], None]
) -> load.Load:
    """Half the pledges, then the other half mixed with confirmations of about half the double
    opt-in supporters so far (some twice), the fault at a random moment of that second part."""
    rng = random.Random(seed)
    consents, double = campaigns(signup)
    pledges = load.plan(rng, consents, PLEDGES)
    first = await load.run(signup.url, consents, pledges[: PLEDGES // 2], rate=RATE)
    links = await _confirm_links(signup, double)
    confirms = [c for c in links.values() if rng.random() < 0.5]
    second: list[load.Pledge | load.Confirm] = [
        *pledges[PLEDGES // 2 :],
        *confirms,
        *rng.sample(confirms, len(confirms) // 5),
    ]
    rng.shuffle(second)
    at = rng.uniform(0.5, len(second) / RATE * 0.6)
    print(f"fault at {at:.1f} s of the second part ({len(second)} requests)")
    sending = asyncio.create_task(load.run(signup.url, consents, second, rate=RATE))
    await asyncio.sleep(at)
    await asyncio.to_thread(fault)
    done = load.Load(first.answers + (await sending).answers)
    assert not done.unanswered(), f"seed {seed}: {done.statuses()}"
    want = {
        slug: checker.expected(done.accepted(), done.confirmed(), slug, double_opt_in=double[slug])
        for slug in consents
    }
    await asyncio.to_thread(checker.settle, counter.url, want, timeout=SETTLE_S, seed=seed)
    return done


async def test_counter_consumer_killed_under_load(
    stack: tuple[SignupService, Counter], seed: int
) -> None:
    signup, counter = stack
    member = counter.consumer()

    def kill_and_restart() -> None:
        os.killpg(member.process.pid, signal.SIGKILL)
        member.process.wait()
        counter.consumer()

    await _under_load(signup, counter, seed, kill_and_restart)


async def test_counter_consumer_frozen_past_its_session_under_load(
    stack: tuple[SignupService, Counter], seed: int
) -> None:
    """SIGSTOP of one of two members until the other has taken its partitions, then SIGCONT: the
    zombie resumes its batch with a stale view, and must not count anything twice or lose any."""
    signup, counter = stack
    frozen = counter.consumer()
    other = counter.consumer()

    def freeze_then_resume() -> None:
        assigned = sum("partitions assigned" in line for line in other.lines)
        os.killpg(frozen.process.pid, signal.SIGSTOP)
        deadline = time.monotonic() + 60
        try:
            while sum("partitions assigned" in line for line in other.lines) == assigned:
                assert time.monotonic() < deadline, "the other member never took the partitions"
                time.sleep(0.2)
        finally:
            os.killpg(frozen.process.pid, signal.SIGCONT)

    await _under_load(signup, counter, seed, freeze_then_resume)
