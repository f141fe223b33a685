"""EventConsumer closes both its Kafka clients on every way out of `run`, and EventPublisher its
producer, including a start that fails: an unclosed client keeps its connections and warns
("Unclosed AIOKafkaProducer")."""

from __future__ import annotations

import asyncio
import gc
import warnings

from aiokafka.errors import KafkaConnectionError

from devstack.harness.processes import free_port
from mobilise_runtime.kafka import EventConsumer, EventPublisher, Received


async def _nothing(batch: list[Received]) -> None:
    pass


async def test_a_consumer_that_cannot_start_closes_its_clients() -> None:
    dead = f"127.0.0.1:{free_port()}"  # nothing listens there
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        consumer = EventConsumer(
            dead, group_id="g", topics=["t"], handler=_nothing, client_id="closing"
        )
        failed = False
        try:
            await consumer.run(asyncio.Event())
        except KafkaConnectionError:
            failed = True
        assert failed
        del consumer
        gc.collect()
    unclosed = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert not [u for u in unclosed if "AIOKafka" in u]


async def test_a_publisher_that_cannot_start_closes_its_producer() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        publisher = EventPublisher(f"127.0.0.1:{free_port()}", client_id="closing")
        failed = False
        try:
            await publisher.start()
        except KafkaConnectionError:
            failed = True
        assert failed
        # Not stopped: an app whose start failed never reaches its shutdown (FastAPI lifespan).
        del publisher
        gc.collect()
    unclosed = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert not [u for u in unclosed if "AIOKafka" in u]
