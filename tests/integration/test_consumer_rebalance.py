"""A rebalance and a batch in hand: the member finishes and commits its batch before it hands its
partitions over (`on_partitions_revoked` waits for it), and the group must wait that long. Were the
rebalance timeout aiokafka's default (the 10 s session timeout), a batch slower than that would get
its member put out of the group while it still writes, and its partitions given to another member
at the same time."""

from __future__ import annotations

import asyncio
import time

from mobilise_events import PledgeSigned
from mobilise_runtime.kafka import EventConsumer, Received
from mobilise_runtime.kafka.consumer import Handler, PartitionsHook
from mobilise_runtime.settings import SharedSettings
from tests.group_member import group_member
from tests.integration.test_counter_consumer import pledge
from tests.integration.test_dead_letters import publish

# Longer than aiokafka's default session (and so rebalance) timeout.
SLOW_BATCH_S = 12


async def test_a_rebalance_waits_for_a_batch_slower_than_the_session_timeout(
    shared_settings: SharedSettings, unique: str
) -> None:
    group = f"rebalance-{unique}"
    in_hand, release = asyncio.Event(), asyncio.Event()
    assigned_to_b: list[tuple[str, int]] = []

    async def slow(batch: list[Received]) -> None:
        in_hand.set()
        await release.wait()

    async def fast(batch: list[Received]) -> None:
        pass

    async def no_hook(partitions: list[tuple[str, int]]) -> None:
        pass

    async def b_assigned(partitions: list[tuple[str, int]]) -> None:
        assigned_to_b.extend(partitions)

    def member(name: str, handler: Handler, on_assigned: PartitionsHook = no_hook) -> EventConsumer:
        shared = shared_settings
        return group_member(
            shared.kafka_bootstrap, shared.topic_prefix, group, PledgeSigned.topic, handler,
            client_id=name, on_assigned=on_assigned,
        )  # fmt: skip

    stop = asyncio.Event()
    await publish(shared_settings, [pledge(f"c-{unique}", "k", "FR")])
    a = asyncio.create_task(member("a", slow).run(stop))
    b: asyncio.Task[None] | None = None
    try:
        async with asyncio.timeout(30):
            await in_hand.wait()
        b = asyncio.create_task(member("b", fast, on_assigned=b_assigned).run(stop))
        # The batch stays in hand for longer than the session timeout: meanwhile no partition
        # may go to b (a still owns them all and may still write).
        deadline = time.monotonic() + SLOW_BATCH_S
        while time.monotonic() < deadline:
            assert not assigned_to_b, f"given to b while a's batch was in hand: {assigned_to_b}"
            assert not a.done(), a.exception()
            await asyncio.sleep(0.2)
        release.set()
        # Then a commits its batch, hands over, and the partitions are shared out.
        async with asyncio.timeout(60):
            while not assigned_to_b:
                assert not a.done(), a.exception()
                assert not b.done(), b.exception()
                await asyncio.sleep(0.2)
        assert not a.done(), a.exception()
    finally:
        release.set()
        stop.set()
        await asyncio.wait_for(asyncio.gather(a, *([b] if b else []), return_exceptions=True), 60)
