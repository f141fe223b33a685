"""`counter-consumer` killed with SIGKILL in the middle of its batches, restarted, and scaled out to
two processes: the totals end at exactly what was published — repeats once, confirmations once, in
whatever order the topics are read — and stay there."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from aiokafka.partitioner import murmur2

from counter.domain.m49 import macro_region
from devstack.harness.events import of_supporter
from devstack.harness.processes import Running, running, service_env
from mobilise_events import Event, PledgeSigned, Signup, SignupConfirmed, VolunteerRegistered
from mobilise_runtime.kafka import EventPublisher
from mobilise_runtime.mongo import Document, ServiceDatabase
from mobilise_runtime.settings import SharedSettings

PARTITIONS = 6  # of each signup topic (mobilise_events.topics)
COUNTS = ("signed", "confirmed", "volunteers")
DIMENSIONS = ("by_country", "by_region", "by_macro_region", "by_partner")
PLACES = [("FR", "FR-IDF"), ("FR", None), ("SN", "SN-DK"), ("CI", None), ("CA", "CA-QC")]
PARTNERS = [None, None, "partner-a", "partner-b"]
WAIT_S = 90  # a restart waits out the killed member's session (10 s) before it gets partitions
SIGNUPS = 1200  # per campaign, plus half as many confirmations: 5,400 events
FREEZES = 50  # tries per kill at catching a batch between its ledger and totals writes
FROZEN_S = 3  # in all per kill: well within the consumer's session (10 s)
KILLS = 5  # at most, in the kill test


@dataclass(frozen=True)
class Campaign:
    id: str
    kind: type[Signup]
    double_opt_in: bool


def _partition(campaign_id: str) -> int:
    return int(murmur2(campaign_id.encode()) & 0x7FFFFFFF) % PARTITIONS


def campaigns(unique: str) -> list[Campaign]:
    """Three campaigns on three partitions, in both halves of the partitions (so two consumers
    each own some), one of each kind of counting."""
    wanted = iter([{0, 1, 2}, {3, 4, 5}, {0, 1, 2, 3, 4, 5}])
    kinds: Iterator[tuple[type[Signup], bool]] = iter(
        [(PledgeSigned, True), (VolunteerRegistered, False), (VolunteerRegistered, True)]
    )
    found: list[Campaign] = []
    taken: set[int] = set()
    accept = next(wanted)
    for i in range(1000):
        campaign_id = f"campaign-{unique}-{i}"
        partition = _partition(campaign_id)
        if partition in accept and partition not in taken:
            found.append(Campaign(campaign_id, *next(kinds)))
            taken.add(partition)
            accept = next(wanted, set())
    assert len(found) == 3
    return found


def signups(campaign: Campaign, rng: random.Random, count: int) -> Iterator[Event]:
    """`count` signups from fewer supporters (repeats, from wherever), confirmations of many of
    them — some twice, some of supporters who never signed — shuffled so that confirmations often
    come before their signups."""
    events: list[Event] = []
    for _ in range(count):
        key = f"{campaign.id}-supporter-{rng.randrange(count * 3 // 4)}"
        country, region = rng.choice(PLACES)
        signup = of_supporter(
            campaign.kind, campaign.id, key, double_opt_in=campaign.double_opt_in,
            country=country, region=region, partner=rng.choice(PARTNERS),
        )  # fmt: skip
        events.append(signup)
    for _ in range(count // 2):
        key = f"{campaign.id}-supporter-{rng.randrange(count)}"
        events.append(
            SignupConfirmed(signup_id=uuid.uuid4(), campaign_id=campaign.id, supporter_key=key)
        )
    rng.shuffle(events)
    yield from events


def scenario(unique: str) -> tuple[random.Random, list[Campaign], list[Event]]:
    """The test's random source, its campaigns and all their events (the same for a `unique`)."""
    rng = random.Random(unique)
    chosen = campaigns(unique)
    return rng, chosen, [e for c in chosen for e in signups(c, rng, SIGNUPS)]


Totals = dict[str, Any]


def expected(published: list[tuple[Event, int]], campaign: str) -> Totals:
    """The rules, from what Kafka holds (offset order): a supporter counts once, as their first
    signup says; confirmed once, if there is no double opt-in or any confirmation of theirs."""
    first: dict[str, Signup] = {}
    confirmed: set[str] = set()
    for event, _ in sorted(published, key=lambda p: p[1]):
        if isinstance(event, Signup) and event.campaign_id == campaign:
            first.setdefault(event.supporter_key, event)
        elif isinstance(event, SignupConfirmed) and event.campaign_id == campaign:
            confirmed.add(event.supporter_key)
    totals: Totals = {**dict.fromkeys(COUNTS, 0), **{d: {} for d in DIMENSIONS}}
    for key, signup in first.items():
        counts = ["signed"]
        if isinstance(signup, VolunteerRegistered):
            counts.append("volunteers")
        if not signup.double_opt_in or key in confirmed:
            counts.append("confirmed")
        cells = {
            "by_country": signup.country,
            "by_region": signup.region,
            "by_macro_region": macro_region(signup.country),
            "by_partner": signup.partner,
        }
        for c in counts:
            totals[c] += 1
            for dimension, cell in cells.items():
                if cell is not None:
                    totals[dimension].setdefault(cell, dict.fromkeys(COUNTS, 0))[c] += 1
    return totals


def stored(doc: Document | None) -> Totals:
    totals: Totals = {c: (doc or {}).get(c, 0) for c in COUNTS}
    for dimension in DIMENSIONS:
        totals[dimension] = {
            key: {c: cell.get(c, 0) for c in COUNTS}
            for key, cell in (doc or {}).get(dimension, {}).items()
        }
    return totals


async def publish(shared: SharedSettings, events: list[Event]) -> list[tuple[Event, int]]:
    """Publish keyed by campaign; return each event with its offset in its partition."""
    publisher = EventPublisher(shared.kafka_bootstrap, prefix=shared.topic_prefix, client_id="t")
    await publisher.start()
    try:
        published: list[tuple[Event, int]] = []
        for start in range(0, len(events), 200):
            wave = events[start : start + 200]
            sent = await asyncio.gather(
                *(publisher.publish(e, key=getattr(e, "campaign_id", "")) for e in wave)
            )
            published.extend((e, meta.offset) for e, meta in zip(wave, sent, strict=True))
        return published
    finally:
        await publisher.stop()


class Totalled:
    """The consumer's progress as its totals documents tell it: events applied per campaign (each
    campaign on a partition of its own, so its applied offsets count its events)."""

    def __init__(self, database: ServiceDatabase, campaigns: list[Campaign]) -> None:
        self._totals = database.db["totals"]
        self._ids = [c.id for c in campaigns]

    async def docs(self) -> dict[str, Document]:
        return {d["_id"]: d async for d in self._totals.find({"_id": {"$in": self._ids}})}

    async def applied(self) -> int:
        return sum(sum(d.get("applied", {}).values()) for d in (await self.docs()).values())

    async def wait(self, reached: int) -> int:
        """Poll (every 10 ms) until at least `reached` events are applied; return how many."""
        deadline = time.monotonic() + WAIT_S
        while (applied := await self.applied()) < reached:
            assert time.monotonic() < deadline, f"{applied} events applied, waited for {reached}"
            await asyncio.sleep(0.01)
        return applied


def consumer_env(shared: SharedSettings, database: ServiceDatabase, unique: str) -> dict[str, str]:
    # Small batches: many commit points to die between.
    return service_env(
        shared,
        COUNTER_MONGO_DATABASE=database.db.name,
        COUNTER_CONSUMER_GROUP=f"counter-{unique}",
        COUNTER_MAX_BATCH="20",
    )


async def kill_mid_batch(process: Running, database: ServiceDatabase, rng: random.Random) -> int:
    """SIGKILL between a batch's ledger and totals writes: freeze the consumer (SIGSTOP) at a random
    moment; if it is not between those writes (no ledger position ahead of its totals), let it go
    on and try again, up to FREEZES times or FROZEN_S in all (frozen longer, it would miss its
    heartbeats and lose its partitions before the kill). Return how many ledger positions the
    totals had not applied at the kill (0: no freeze caught a batch in hand)."""
    group = process.process.pid
    frozen = 0.0
    for _ in range(FREEZES):
        await asyncio.sleep(rng.uniform(0, 0.02))
        os.killpg(group, signal.SIGSTOP)
        started = time.monotonic()
        if await ledger_ahead(database):
            break
        os.killpg(group, signal.SIGCONT)
        frozen += time.monotonic() - started
        if frozen > FROZEN_S:
            break
    os.killpg(group, signal.SIGKILL)
    process.process.wait()
    return await ledger_ahead(database)


async def ledger_ahead(database: ServiceDatabase) -> int:
    """Ledger entries counted at a position (`<applied key>@<partition>:<offset>`, see
    counter.domain.aggregation) that their campaign's totals have not applied."""
    applied = {d["_id"]: d.get("applied", {}) async for d in database.db["totals"].find()}
    ahead = 0
    async for entry in database.db["ledger"].find():
        for pos in filter(None, (entry.get("signed_pos"), entry.get("confirmed_pos"))):
            key, offset = pos.split("@")[0], int(pos.rsplit(":", 1)[1])
            ahead += offset >= applied.get(entry["campaign_id"], {}).get(key, 0)
    return ahead


async def assert_counted_exactly(
    totalled: Totalled, published: list[tuple[Event, int]], campaigns: list[Campaign]
) -> None:
    await totalled.wait(len(published))
    for _ in range(2):  # and still so a second later: no late double count
        docs = await totalled.docs()
        for campaign in campaigns:
            assert stored(docs.get(campaign.id)) == expected(published, campaign.id), campaign
        assert await totalled.applied() == len(published)
        await asyncio.sleep(1)


def assert_no_stale_writer(*processes: Running) -> None:
    for process in processes:
        assert "StaleWriter" not in process.output(), process.output()[-4000:]


async def test_kill_9_mid_batch_twice_then_restart_counts_exactly_once(
    shared_settings: SharedSettings, database: ServiceDatabase, unique: str
) -> None:
    rng, chosen, events = scenario(unique)
    published = await publish(shared_settings, events)
    totalled = Totalled(database, chosen)
    env = consumer_env(shared_settings, database, unique)
    in_hand: list[int] = []
    # Two kills at least; more (up to KILLS) until one caught a batch between its ledger and totals
    # writes: where a kill lands is chance, and a busy machine moves the odds.
    while len(in_hand) < 2 or (not any(in_hand) and len(in_hand) < KILLS):
        before = await totalled.applied()
        with running("counter-consumer", env) as doomed:
            await totalled.wait(before + 1)
            in_hand.append(await kill_mid_batch(doomed, database, rng))
        assert await totalled.applied() < len(published), "finished before it could be killed"
        assert_no_stale_writer(doomed)
    # At least one kill caught a batch between its ledger and its totals writes.
    assert any(in_hand), in_hand
    with running("counter-consumer", env) as survivor:
        await assert_counted_exactly(totalled, published, chosen)
    assert survivor.process.returncode == 0, survivor.output()[-4000:]
    assert_no_stale_writer(survivor)


def _assigned(process: Running) -> list[list[str]]:
    return [
        record["partitions"]
        for line in process.lines
        if line.startswith("{") and (record := json.loads(line))["event"] == "partitions assigned"
    ]


async def test_two_consumers_share_the_partitions_and_one_dies_without_drift(
    shared_settings: SharedSettings, database: ServiceDatabase, unique: str
) -> None:
    rng, chosen, events = scenario(unique)
    half = len(events) // 2
    published = await publish(shared_settings, events[:half])
    totalled = Totalled(database, chosen)
    env = consumer_env(shared_settings, database, unique)
    with running("counter-consumer", env) as first:
        await totalled.wait(1)
        with running("counter-consumer", env) as second:
            # The group rebalances: the first hands over half the partitions once its batch in
            # hand is written and committed; both then count, each its own campaigns.
            deadline = time.monotonic() + WAIT_S
            while not any(_assigned(second)):
                assert time.monotonic() < deadline, second.output()[-4000:]
                await asyncio.sleep(0.1)
            published += await publish(shared_settings, events[half:])
            await totalled.wait(len(published) // 2)
            await kill_mid_batch(first, database, rng)
            await assert_counted_exactly(totalled, published, chosen)
        assert second.process.returncode == 0, second.output()[-4000:]
    owned = [set(p) for p in _assigned(first)]
    assert len(owned) >= 2, first.output()[-4000:]
    assert set() < owned[-1] < owned[0], "the first consumer never shared its partitions"
    assert_no_stale_writer(first, second)
