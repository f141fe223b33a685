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
    """An existing topic has fewer partitions than mobilise needs."""


async def ensure_topics(
    bootstrap: str,
    *,
    prefix: str = "",
    replication_factor: int = 1,
    specs: tuple[TopicSpec, ...] = TOPICS,
) -> list[str]:
    """Create the missing topics; return the names created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="mobilise-topics")
    await admin.start()
    try:
        wanted = {prefix + s.name: s for s in specs}
        existing = {t["topic"]: t for t in await admin.describe_topics(list(wanted))}
        missing = []
        for name, spec in wanted.items():
            found = existing.get(name)
            if found is not None and not found["error_code"]:
                if len(found["partitions"]) < spec.partitions:
                    raise TopicLayoutError(
                        f"topic {name} has {len(found['partitions'])} partitions, "
                        f"mobilise needs {spec.partitions}"
                    )
                continue
            missing.append(
                NewTopic(
                    name,
                    spec.partitions,
                    replication_factor,
                    topic_configs={"retention.ms": str(spec.retention_ms)},
                )
            )
        if not missing:
            return []
        response = await admin.create_topics(missing)
        for name, code, *rest in response.topic_errors:
            error = for_code(code)
            # Another process may have created it between our describe and create.
            if code and error is not TopicAlreadyExistsError:
                raise error(f"cannot create topic {name}: {rest[0] if rest else ''}")
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
