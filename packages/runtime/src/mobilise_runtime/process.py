"""Runs a long-lived worker loop until SIGTERM or SIGINT, then lets it finish cleanly; and the
entry point every consumer process shares (counter-consumer, signup-projector, mailer-consumer):
its console script (run_consumer_process) and its consumer loop (GroupMember.consume)."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar, Unpack

from prometheus_client import start_http_server

from mobilise_runtime.kafka import ConsumerOptions, EventConsumer, Handler
from mobilise_runtime.logging import configure_logging
from mobilise_runtime.settings import SharedSettings

Loop = Callable[[asyncio.Event], Awaitable[None]]


def run_until_signalled(loop: Loop) -> None:
    async def main() -> None:
        stop = asyncio.Event()
        running = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            running.add_signal_handler(sig, stop.set)
        await loop(stop)

    asyncio.run(main())


class ProcessSettings(Protocol):
    @property
    def shared(self) -> SharedSettings: ...


S = TypeVar("S", bound=ProcessSettings)


def run_consumer_process(
    service: str, settings: S, consume: Callable[[S, asyncio.Event], Awaitable[None]]
) -> None:
    """The console script of every consumer: logs, the metrics port (consumers serve no API:
    `MOBILISE_METRICS_PORT` gives them one for Prometheus, e.g. to alert on dead-lettered
    events), then `consume(settings, stop)` until signalled."""
    shared = settings.shared
    configure_logging(service, shared.log_format, shared.log_level)
    if shared.metrics_port is not None:
        start_http_server(shared.metrics_port, addr=shared.metrics_host)
    run_until_signalled(lambda stop: consume(settings, stop))


@dataclass(frozen=True)
class GroupMember:
    """One consumer process: its name (its Kafka client id), its consumer group, the topics it
    reads (under the deployment's prefix) and where the broker is."""

    service: str
    group_id: str
    topics: Sequence[str]
    shared: SharedSettings

    async def consume(
        self,
        handler: Handler,
        stop: asyncio.Event,
        *,
        close: Callable[[], Awaitable[None]],
        **options: Unpack[ConsumerOptions],
    ) -> None:
        """Hands the topics' events to `handler` until `stop`; then `close` releases what the
        handler used, whether the loop ended or failed."""
        try:
            consumer = EventConsumer(
                self.shared.kafka_bootstrap,
                group_id=self.group_id,
                topics=self.topics,
                handler=handler,
                prefix=self.shared.topic_prefix,
                client_id=self.service,
                **options,
            )
            await consumer.run(stop)
        finally:
            await close()
