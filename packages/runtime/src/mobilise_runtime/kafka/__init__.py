"""The one package that talks to Kafka (aiokafka): topic admin, publishing, consuming."""

from mobilise_runtime.kafka.admin import ensure_topics
from mobilise_runtime.kafka.consumer import (
    ConsumerOptions,
    EventConsumer,
    EventRejected,
    Handler,
    Received,
)
from mobilise_runtime.kafka.publisher import EventPublisher, TimedPublisher

__all__ = [
    "ConsumerOptions",
    "EventConsumer",
    "EventPublisher",
    "EventRejected",
    "Handler",
    "Received",
    "TimedPublisher",
    "ensure_topics",
]
