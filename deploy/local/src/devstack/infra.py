"""Kafka, FerretDB (on SQLite, or on PostgreSQL) and Redis on loopback: how each starts and how we
know it really works."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pymongo
import redis
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from devstack import postgres
from devstack.config import StackConfig
from devstack.install import install_ferretdb, install_kafka, install_redis, require_java
from devstack.output import say
from devstack.procs import Daemon, wait_until

KAFKA_HEAP = "512m"  # the broker's fixed heap; the issue allows up to 1 GB


@dataclass(frozen=True)
class Service:
    """One piece of infrastructure: how to start it, which ports it takes, how to prove it works."""

    name: str
    ports: Callable[[StackConfig], tuple[int, ...]]
    command: Callable[[StackConfig], list[str]]
    ready: Callable[[StackConfig], None]
    prepare: Callable[[StackConfig], None] = lambda cfg: None
    # Whether this configuration runs it at all (PostgreSQL only under FerretDB on PostgreSQL).
    wanted: Callable[[StackConfig], bool] = lambda cfg: True
    # Which user it runs as (None: devstack's own).
    user: Callable[[], str | None] = lambda: None

    def daemon(self, cfg: StackConfig) -> Daemon:
        return Daemon(self.name, cfg.state / "run", cfg.logs())


# Kafka ---------------------------------------------------------------------------------------


def _kafka_properties(cfg: StackConfig) -> str:
    listeners = (
        f"PLAINTEXT://127.0.0.1:{cfg.kafka_port},CONTROLLER://127.0.0.1:{cfg.kafka_controller_port}"
    )
    settings = {
        "process.roles": "broker,controller",
        "node.id": "1",
        # A static voter set (not --standalone): the ports may change between runs.
        "controller.quorum.voters": f"1@127.0.0.1:{cfg.kafka_controller_port}",
        "listeners": listeners,
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{cfg.kafka_port}",
        "inter.broker.listener.name": "PLAINTEXT",
        "controller.listener.names": "CONTROLLER",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(cfg.data("kafka") / "data"),
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "6",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        # Tests join many short-lived groups: no 3 s wait for more members.
        "group.initial.rebalance.delay.ms": "0",
        # mobilise creates its topics with their partition counts; a typo must not make one.
        "auto.create.topics.enable": "false",
    }
    return "".join(f"{k}={v}\n" for k, v in settings.items())


def _kafka_java(cfg: StackConfig, main: str, *args: str) -> list[str]:
    log4j = cfg.root / "deploy/local/kafka/log4j2.yaml"
    return [
        require_java(),
        f"-Xms{KAFKA_HEAP}",
        f"-Xmx{KAFKA_HEAP}",
        "-XX:+UseG1GC",
        "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={log4j}",
        f"-Dkafka.logs.dir={cfg.logs()}",
        "-cp",
        f"{install_kafka(cfg)}/*",
        main,
        *args,
    ]


def _prepare_kafka(cfg: StackConfig) -> None:
    home = cfg.data("kafka")
    (home / "data").mkdir(parents=True, exist_ok=True)
    properties = home / "server.properties"
    properties.write_text(_kafka_properties(cfg))
    if (home / "data" / "meta.properties").exists():
        return
    cluster_id = subprocess.run(
        _kafka_java(cfg, "kafka.tools.StorageTool", "random-uuid"),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[-1]
    say(f"formatting Kafka storage in {home / 'data'} (cluster {cluster_id})")
    subprocess.run(
        _kafka_java(
            cfg, "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(properties)
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _kafka_command(cfg: StackConfig) -> list[str]:
    return _kafka_java(cfg, "kafka.Kafka", str(cfg.data("kafka") / "server.properties"))


async def _kafka_round_trip(bootstrap: str) -> None:
    """Create a topic, produce with acks=all, read it back in a consumer group and commit."""
    topic = f"devstack.ready.{uuid.uuid4().hex}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, 1, 1)])
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
        await producer.start()
        try:
            await producer.send_and_wait(topic, b"ready")
        finally:
            await producer.stop()
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=bootstrap,
            group_id=topic,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        try:
            record = await asyncio.wait_for(consumer.getone(), timeout=20)
            await consumer.commit()
        finally:
            await consumer.stop()
        if record.value != b"ready":
            raise RuntimeError(f"read back {record.value!r}")
    finally:
        await admin.delete_topics([topic])
        await admin.close()


def _kafka_ready(cfg: StackConfig) -> None:
    asyncio.run(asyncio.wait_for(_kafka_round_trip(cfg.kafka_bootstrap), timeout=60))


# FerretDB ------------------------------------------------------------------------------------


def _ferretdb_command(cfg: StackConfig) -> list[str]:
    home = cfg.data("ferretdb")
    (home / "data").mkdir(parents=True, exist_ok=True)
    if cfg.store == "postgresql":
        backend = ["--handler=postgresql", f"--postgresql-url={cfg.postgres_url}"]
    else:
        backend = ["--handler=sqlite", f"--sqlite-url=file:{home / 'data'}/"]
    return [
        str(install_ferretdb(cfg)),
        *backend,
        f"--state-dir={home}",
        f"--listen-addr=127.0.0.1:{cfg.mongo_port}",
        f"--debug-addr=127.0.0.1:{cfg.ferretdb_debug_port}",
        "--telemetry=disable",
        "--log-level=warn",
    ]


def _ferretdb_ready(cfg: StackConfig) -> None:
    def insert_and_find() -> bool:
        client: pymongo.MongoClient[dict[str, object]] = pymongo.MongoClient(
            cfg.mongo_url, serverSelectionTimeoutMS=1000
        )
        try:
            probe = client["devstack"]["ready"]
            marker = uuid.uuid4().hex
            probe.insert_one({"_id": marker})
            found = probe.find_one({"_id": marker}) is not None
            probe.delete_one({"_id": marker})
            return found
        except pymongo.errors.PyMongoError:
            return False
        finally:
            client.close()

    wait_until(insert_and_find, timeout=30, what="ferretdb insert/find")


# Redis ---------------------------------------------------------------------------------------


def _redis_command(cfg: StackConfig) -> list[str]:
    home = cfg.data("redis")
    home.mkdir(parents=True, exist_ok=True)
    return [
        install_redis(),
        "--port", str(cfg.redis_port),
        "--bind", "127.0.0.1",
        "--dir", str(home),
        # Dev and tests need no persistence.
        "--save", "",
        "--appendonly", "no",
        "--daemonize", "no",
    ]  # fmt: skip


def _redis_ready(cfg: StackConfig) -> None:
    def ping() -> bool:
        try:
            return bool(redis.Redis.from_url(cfg.redis_url, socket_timeout=1).ping())
        except redis.RedisError:
            return False

    wait_until(ping, timeout=15, what="redis ping")


INFRA = (
    Service(
        "kafka",
        ports=lambda cfg: (cfg.kafka_port, cfg.kafka_controller_port),
        command=_kafka_command,
        ready=_kafka_ready,
        prepare=_prepare_kafka,
    ),
    Service(
        "postgresql",
        ports=lambda cfg: (cfg.postgres_port,),
        command=postgres.command,
        ready=postgres.ready,
        prepare=postgres.prepare,
        wanted=lambda cfg: cfg.store == "postgresql",
        user=postgres.server_user,
    ),
    Service(
        "ferretdb",
        ports=lambda cfg: (cfg.mongo_port, cfg.ferretdb_debug_port),
        command=_ferretdb_command,
        ready=_ferretdb_ready,
    ),
    Service(
        "redis",
        ports=lambda cfg: (cfg.redis_port,),
        command=_redis_command,
        ready=_redis_ready,
    ),
)
