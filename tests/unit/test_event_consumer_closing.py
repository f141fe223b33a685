"""EventConsumer closes both its Kafka clients on every way out of `run`, and EventPublisher its
producer, including a start that fails: an unclosed client keeps its connections and warns
("Unclosed AIOKafkaProducer")."""

from __future__ import annotations

import asyncio
import gc
import warnings
from collections.abc import Awaitable, Callable

from aiokafka.errors import KafkaConnectionError

from devstack.harness.processes import free_port
from mobilise_runtime.kafka import EventConsumer, EventPublisher, Received


async def _nothing(batch: list[Received]) -> None:
    pass


async def _unclosed_kafka_clients(start: Callable[[], Awaitable[object]]) -> list[str]:
    """The "Unclosed AIOKafka…" warnings left once `start` has failed to reach Kafka and the
    object it started is gone (not stopped: an app whose start failed never reaches its
    shutdown, FastAPI's lifespan)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        failed = False
        try:
            await start()
        except KafkaConnectionError:
            failed = True
        assert failed
        gc.collect()
    unclosed = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    return [u for u in unclosed if "AIOKafka" in u]


async def test_a_consumer_that_cannot_start_closes_its_clients() -> None:
    dead = f"127.0.0.1:{free_port()}"  # nothing listens there

    async def start() -> None:
        consumer = EventConsumer(
            dead, group_id="g", topics=["t"], handler=_nothing, client_id="closing"
        )
        await consumer.run(asyncio.Event())

    assert await _unclosed_kafka_clients(start) == []


async def test_a_publisher_that_cannot_start_closes_its_producer() -> None:
    async def start() -> None:
        await EventPublisher(f"127.0.0.1:{free_port()}", client_id="closing").start()

    assert await _unclosed_kafka_clients(start) == []
