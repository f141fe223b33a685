"""Runs a long-lived worker loop until SIGTERM or SIGINT, then lets it finish cleanly; and the
entry point every consumer process shares (counter-consumer, signup-projector, mailer-consumer)."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from prometheus_client import start_http_server

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
