"""What `mobilise-topics` creates and refuses, against a small stand-in of Kafka's admin client
(the dev broker is a single node: it cannot hold a topic with 3 replicas)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from mobilise_events import TOPICS, PledgeSigned
from mobilise_runtime.kafka import admin
from mobilise_runtime.kafka.admin import TopicLayoutError, ensure_topics

UNKNOWN_TOPIC = 3


class FakeAdmin:
    """Answers describe_topics from `existing` (name → partition count), records create_topics."""

    existing: dict[str, int] = {}
    created: list[Any] = []

    def __init__(self, **_: Any) -> None:
        pass

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def describe_topics(self, names: list[str]) -> list[dict[str, Any]]:
        return [
            {"topic": n, "error_code": 0, "partitions": [{}] * self.existing[n]}
            if n in self.existing
            else {"topic": n, "error_code": UNKNOWN_TOPIC, "partitions": []}
            for n in names
        ]

    async def create_topics(self, topics: list[Any]) -> Any:
        FakeAdmin.created.extend(topics)
        return dataclasses.make_dataclass("R", ["topic_errors"])([(t.name, 0) for t in topics])


@pytest.fixture
def kafka(monkeypatch: pytest.MonkeyPatch) -> type[FakeAdmin]:
    FakeAdmin.existing, FakeAdmin.created = {}, []
    monkeypatch.setattr(admin, "AIOKafkaAdminClient", FakeAdmin)
    return FakeAdmin


async def test_replicated_topics_need_a_majority_of_replicas_in_sync(
    kafka: type[FakeAdmin],
) -> None:
    await ensure_topics("kafka:9092", replication_factor=3)
    assert len(kafka.created) == len(TOPICS)
    for topic in kafka.created:
        assert topic.replication_factor == 3
        # Without it acks=all is acknowledged by the leader alone once the others fall behind.
        assert topic.topic_configs["min.insync.replicas"] == "2"


async def test_a_single_replica_topic_keeps_the_brokers_default(kafka: type[FakeAdmin]) -> None:
    await ensure_topics("kafka:9092", replication_factor=1)
    assert all("min.insync.replicas" not in t.topic_configs for t in kafka.created)


async def test_signup_topics_with_different_partition_counts_are_refused(
    kafka: type[FakeAdmin],
) -> None:
    specs = tuple(
        dataclasses.replace(s, partitions=12) if s.name == PledgeSigned.topic else s for s in TOPICS
    )
    with pytest.raises(TopicLayoutError, match="same partition count"):
        await ensure_topics("kafka:9092", specs=specs)
    assert kafka.created == []


@pytest.mark.parametrize("partitions", [3, 12])
async def test_an_existing_topic_with_another_partition_count_is_refused(
    kafka: type[FakeAdmin], partitions: int
) -> None:
    kafka.existing = {"p." + PledgeSigned.topic: partitions}
    with pytest.raises(TopicLayoutError, match=rf"has {partitions} partitions.*configured for 6"):
        await ensure_topics("kafka:9092", prefix="p.")
    assert kafka.created == []


async def test_existing_topics_as_configured_are_left_alone(kafka: type[FakeAdmin]) -> None:
    kafka.existing = {"p." + s.name: s.partitions for s in TOPICS}
    assert await ensure_topics("kafka:9092", prefix="p.") == []
    assert kafka.created == []
