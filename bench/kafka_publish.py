"""Publishing signups: EventPublisher (pydantic model -> JSON, acks=all, idempotent) against a bare
aiokafka producer sending pre-encoded bytes with the same durability settings."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiokafka import AIOKafkaProducer

from bench.harness import Report, Result, rate
from devstack.config import StackConfig
from devstack.harness.events import of_supporter
from mobilise_events import PledgeSigned
from mobilise_runtime.kafka import EventPublisher

IN_FLIGHT = 100  # concurrent requests, as a busy signup API would have


def pledge(i: int) -> PledgeSigned:
    return of_supporter(
        PledgeSigned, f"campaign-{i % 8}", f"{i:064x}", double_opt_in=True,
        campaign_slug="bench", email=f"supporter{i}@example.org", country="SN",
    )  # fmt: skip


async def _in_waves(count: int, send: Callable[[int], Awaitable[None]]) -> None:
    for start in range(0, count, IN_FLIGHT):
        await asyncio.gather(*(send(i) for i in range(start, min(count, start + IN_FLIGHT))))


async def run(cfg: StackConfig, prefix: str, report: Report, count: int = 5000) -> None:
    bootstrap = cfg.kafka_bootstrap
    topic = prefix + PledgeSigned.topic
    payload = pledge(0).encode()
    bare = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    ours = EventPublisher(bootstrap, prefix=prefix, client_id="bench")
    await bare.start()
    await ours.start()
    try:

        async def bare_send(i: int) -> None:
            await bare.send_and_wait(topic, payload, key=f"campaign-{i % 8}".encode())

        async def our_send(i: int) -> None:
            event = pledge(i)
            await ours.publish(event, key=event.campaign_id)

        # Warm both up first: new topics elect their partition leaders on first use.
        await _in_waves(IN_FLIGHT, bare_send)
        await _in_waves(IN_FLIGHT, our_send)
        baseline = await rate(lambda n: _in_waves(n, bare_send), count)
        measured = await rate(lambda n: _in_waves(n, our_send), count)
    finally:
        await bare.stop()
        await ours.stop()
    # No target of its own: it shows what the event model costs on the signup intake path.
    report.add(Result("kafka publish, 100 in flight", "events/s", baseline, measured, "—"))
