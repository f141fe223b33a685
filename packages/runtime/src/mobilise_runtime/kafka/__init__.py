"""The one package that talks to Kafka (aiokafka): topic admin, publishing, consuming."""

from mobilise_runtime.kafka.admin import ensure_topics
from mobilise_runtime.kafka.consumer import EventConsumer, EventRejected, Received
from mobilise_runtime.kafka.publisher import EventPublisher, TimedPublisher

__all__ = [
    "EventConsumer",
    "EventPublisher",
    "EventRejected",
    "Received",
    "TimedPublisher",
    "ensure_topics",
]
