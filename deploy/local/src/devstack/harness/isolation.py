"""A test's or a benchmark's own corner of the local stack: mobilise's topics under a prefix of
its own and databases named after it, removed afterwards, so that none sees another's data or
waits behind its backlog."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient

from devstack.config import StackConfig
from mobilise_runtime.kafka import ensure_topics
from mobilise_runtime.mongo import ServiceDatabase
from mobilise_runtime.settings import SharedSettings


def shared_settings(stack: StackConfig, prefix: str, *, kafka: str | None = None) -> SharedSettings:
    """What a service started for a test reads from MOBILISE_*: the local stack (or the broker
    at `kafka`) and the topics under `prefix`."""
    return SharedSettings(
        kafka_bootstrap=kafka or stack.kafka_bootstrap,
        mongo_url=stack.mongo_url,
        redis_url=stack.redis_url,
        topic_prefix=prefix,
        log_format="console",
    )


@asynccontextmanager
async def own_topics(bootstrap: str, prefix: str) -> AsyncIterator[str]:
    """All of mobilise's topics under `prefix`, deleted on the way out."""
    created = await ensure_topics(bootstrap, prefix=prefix)
    try:
        yield prefix
    finally:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            await admin.delete_topics(created)
        finally:
            await admin.close()


@dataclass(frozen=True)
class Isolated:
    unique: str
    shared: SharedSettings
    signup_db: ServiceDatabase  # test_<unique>
    mailer_db: ServiceDatabase  # test_<unique>_mailer

    def database(self, service: str) -> str:
        """The name of `service`'s database here (dropped on the way out like the others)."""
        return f"test_{self.unique}_{service}"


@asynccontextmanager
async def isolated(stack: StackConfig) -> AsyncIterator[Isolated]:
    """Topics and databases of their own for several services started together."""
    unique = uuid.uuid4().hex[:12]
    async with own_topics(stack.kafka_bootstrap, f"t{unique}.") as prefix:
        signup_db = ServiceDatabase(stack.mongo_url, f"test_{unique}", app_name="tests")
        mailer_db = ServiceDatabase(stack.mongo_url, f"test_{unique}_mailer", app_name="tests")
        try:
            yield Isolated(unique, shared_settings(stack, prefix), signup_db, mailer_db)
        finally:
            client = signup_db.client
            for name in await client.list_database_names():
                if name == signup_db.db.name or name.startswith(f"test_{unique}_"):
                    await client.drop_database(name)
            await signup_db.close()
            await mailer_db.close()
