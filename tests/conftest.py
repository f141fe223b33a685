"""Fixtures shared by every test layer.

The real infrastructure (Kafka, FerretDB, Redis) is started once per session by devstack, only when
a test asks for it, and stopped at the end if this session started it. Each test gets its own topic
prefix, database and Celery queue, so tests never see each other's data."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from devstack.config import StackConfig
from devstack.harness.isolation import own_topics
from devstack.harness.isolation import shared_settings as harness_settings
from devstack.stack import down, up
from mobilise_runtime.mongo import ServiceDatabase
from mobilise_runtime.settings import SharedSettings


@pytest.fixture(scope="session")
def stack() -> Iterator[StackConfig]:
    cfg = StackConfig.from_env()
    started = up(cfg)
    yield cfg
    down(cfg, started)


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:12]


@pytest.fixture
async def topic_prefix(stack: StackConfig, unique: str) -> AsyncIterator[str]:
    """All of mobilise's topics, created under a prefix of this test's own; deleted afterwards."""
    async with own_topics(stack.kafka_bootstrap, f"t{unique}.") as prefix:
        yield prefix


@pytest.fixture
def shared_settings(stack: StackConfig, topic_prefix: str) -> SharedSettings:
    """What a service of this test reads from MOBILISE_*: the local stack and the test's topics."""
    return harness_settings(stack, topic_prefix)


@pytest.fixture
async def database(stack: StackConfig, unique: str) -> AsyncIterator[ServiceDatabase]:
    db = ServiceDatabase(stack.mongo_url, f"test_{unique}", app_name="tests")
    yield db
    await db.client.drop_database(db.db.name)
    await db.close()


RACERS = 4


@pytest.fixture
async def racers(
    stack: StackConfig, database: ServiceDatabase
) -> AsyncIterator[list[ServiceDatabase]]:
    """Clients of the test's database, one per racing writer, as separate processes have: their
    commands reach the store at the same time."""
    made = [
        ServiceDatabase(stack.mongo_url, database.db.name, app_name=f"racer-{n}")
        for n in range(RACERS)
    ]
    yield made
    for client in made:
        await client.close()
