"""Creates mobilise's topics with the partition counts and retention they need (idempotent).

Run by `devstack` for the local stack, by the `mobilise-topics` job in production, and by tests for
their own prefixed topics. The broker's auto-creation is off: a topic made by accident would get one
partition and the broker's default retention."""

from __future__ import annotations

import asyncio

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code

from mobilise_events import TOPICS, TopicSpec
from mobilise_runtime.logging import configure_logging, get_logger
from mobilise_runtime.settings import SharedSettings

log = get_logger(__name__)


class TopicLayoutError(RuntimeError):
    """The topics, as configured or as they exist, would break how mobilise partitions its data."""


def min_insync_replicas(replication_factor: int) -> int:
    """A majority of the replicas: with acks=all the producer then waits for more than the
    leader alone (Kafka's default of 1 would let acks=all mean the leader's copy only), and a
    topic stays writable when a minority of its brokers is down."""
    return replication_factor // 2 + 1


def new_topic(name: str, spec: TopicSpec, replication_factor: int) -> NewTopic:
    configs = {"retention.ms": str(spec.retention_ms)}
    if replication_factor > 1:
        configs["min.insync.replicas"] = str(min_insync_replicas(replication_factor))
    return NewTopic(name, spec.partitions, replication_factor, topic_configs=configs)


def check_layout(specs: tuple[TopicSpec, ...], existing: dict[str, int], prefix: str) -> None:
    """Refuse what would move a campaign to another partition than the one its data is on.
    `existing`: partition counts of the topics already there, by full name."""
    signups = {s.name: s.partitions for s in specs if s.co_partitioned}
    if len(set(signups.values())) > 1:
        raise TopicLayoutError(
            f"the signup topics must have the same partition count, got {signups}: consumers "
            "read partition N of each together, which holds the same campaigns only when the "
            "counts are equal"
        )
    for spec in specs:
        found = existing.get(prefix + spec.name)
        if found is not None and found != spec.partitions:
            raise TopicLayoutError(
                f"topic {prefix + spec.name} has {found} partitions, mobilise is configured for "
                f"{spec.partitions}: a different count sends a campaign's events to another "
                "partition than its earlier ones, whose consumer does not hold its data (the "
                "counter's ledger records the partition); change the partition count only with "
                "a migration, never under existing data"
            )


async def ensure_topics(
    bootstrap: str,
    *,
    prefix: str = "",
    replication_factor: int = 1,
    specs: tuple[TopicSpec, ...] = TOPICS,
) -> list[str]:
    """Create the missing topics; return the names created. Raises TopicLayoutError, creating
    nothing, if the layout is not one mobilise can run on."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="mobilise-topics")
    await admin.start()
    try:
        wanted = {prefix + s.name: s for s in specs}
        described = await admin.describe_topics(list(wanted))
        existing = {t["topic"]: len(t["partitions"]) for t in described if not t["error_code"]}
        check_layout(specs, existing, prefix)
        missing = [
            new_topic(name, spec, replication_factor)
            for name, spec in wanted.items()
            if name not in existing
        ]
        if not missing:
            return []
        response = await admin.create_topics(missing)
        raced = []
        for name, code, *rest in response.topic_errors:
            error = for_code(code)
            if code and error is not TopicAlreadyExistsError:
                raise error(f"cannot create topic {name}: {rest[0] if rest else ''}")
            if code:
                raced.append(name)
        if raced:
            # Another process created them between our describe and create (or the broker's
            # metadata lagged): check their layout too.
            again = await admin.describe_topics(raced)
            check_layout(specs, {t["topic"]: len(t["partitions"]) for t in again}, prefix)
        created = [t.name for t in missing]
        log.info("topics created", topics=created)
        return created
    finally:
        await admin.close()


def main() -> None:
    """`mobilise-topics`: create the deployment's topics (see SharedSettings for the env)."""
    settings = SharedSettings()
    configure_logging("mobilise-topics", settings.log_format, settings.log_level)
    asyncio.run(
        ensure_topics(
            settings.kafka_bootstrap,
            prefix=settings.topic_prefix,
            replication_factor=settings.kafka_replication_factor,
        )
    )
