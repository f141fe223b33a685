"""counter-consumer: one member of the `counter` consumer group (partitions spread over members;
partition N of every signup topic goes to the same member, so a campaign has one writer)."""

from __future__ import annotations

import asyncio

from counter.application.apply import BatchApplier
from counter.bootstrap import stores
from counter.settings import StoreSettings
from mobilise_events import (
    PledgeSigned,
    SignupConfirmed,
    SignupsInvalidated,
    SupporterErased,
    VolunteerRegistered,
)
from mobilise_runtime.process import GroupMember, run_consumer_process

SERVICE = "counter-consumer"
# Keyed by campaign, with as many partitions each: partition N of them holds the same campaigns.
SIGNUP_TOPICS = {
    t.topic for t in (PledgeSigned, VolunteerRegistered, SignupConfirmed, SignupsInvalidated)
}
TOPICS = [*sorted(SIGNUP_TOPICS), SupporterErased.topic]
# Quiet partitions (erasures, a topic without volunteers) would otherwise hold each fetch for
# aiokafka's 500 ms while the busy ones wait: a signup would take up to that long to be counted.
FETCH_WAIT_MS = 50


def _signup_partitions(partitions: list[tuple[str, int]]) -> set[int]:
    return {partition for topic, partition in partitions if topic in SIGNUP_TOPICS}


async def consume(settings: StoreSettings, stop: asyncio.Event) -> None:
    shared = settings.shared
    kept = stores(settings, service=SERVICE)
    await kept.ensure_indexes()
    applier = BatchApplier(kept.ledger, kept.totals, prefix=shared.topic_prefix)

    async def assigned(partitions: list[tuple[str, int]]) -> None:
        await applier.assigned(_signup_partitions(partitions))

    async def revoked(partitions: list[tuple[str, int]]) -> None:
        await applier.revoked(_signup_partitions(partitions))

    member = GroupMember(SERVICE, settings.consumer_group, TOPICS, shared)
    await member.consume(
        applier.apply,
        stop,
        close=kept.close,
        max_batch=settings.max_batch,
        rebalance_timeout_ms=settings.rebalance_timeout_ms,
        fetch_wait_ms=FETCH_WAIT_MS,
        # One member owns partition N of every signup topic, that is all of a campaign's
        # events: the ledger it loads for them when they are assigned is its alone.
        co_partitioned=True,
        on_assigned=assigned,
        on_revoked=revoked,
    )


def main() -> None:
    run_consumer_process(SERVICE, StoreSettings(), consume)
