"""Runs an API process: uvicorn on the service's host and port, logs already configured."""

from __future__ import annotations

import asyncio
import gc
import socket
from collections.abc import Callable
from types import FrameType
from typing import Protocol, TypeVar

import uvicorn
from starlette.types import ASGIApp

from mobilise_runtime.logging import configure_logging
from mobilise_runtime.settings import SharedSettings

_exiting = False
# Allocations between two collections of the youngest generation (CPython's default: 700). Under
# load a collection finds each request in flight alive and promotes it: with the default, requests
# of a busy API (or one change sent to 10,000 streams) filled the oldest generation within
# seconds, and each full collection walked every object of the process (bench/counter_viewers.py).
YOUNG_COLLECTION_EVERY = 20_000


def shutting_down() -> bool:
    """True once this process was told to stop (SIGTERM, Ctrl-C): uvicorn then waits for open
    responses to end, so long-lived ones (event streams) look here to end by themselves."""
    return _exiting


def settle_garbage_collector() -> None:
    """Once started: what start-up made (modules, the app, its routes: ~90,000 objects) lives as
    long as the process, so it is frozen out of every later collection, and younger objects are
    collected less often (YOUNG_COLLECTION_EVERY)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, *gc.get_threshold()[1:])


class _Server(uvicorn.Server):
    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        settle_garbage_collector()

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        global _exiting
        _exiting = True
        super().handle_exit(sig, frame)


def serve(
    app: ASGIApp,
    *,
    host: str,
    port: int,
    reuse_port: bool = False,
    proxy_headers: bool = True,
    http: type[asyncio.Protocol] | None = None,
) -> None:
    """`http`: the connection's protocol, if not uvicorn's own (mobilise_runtime.lean_http)."""
    # log_config=None keeps our structlog handler; uvicorn's own would print plain text.
    # interface="asgi3": an app may be a plain callable returning the coroutine that answers
    # (counter.presentation.totals_front), which uvicorn's guess would take for ASGI 2.
    config = uvicorn.Config(
        app,
        log_config=None,
        proxy_headers=proxy_headers,
        lifespan="on",
        http=http or "auto",
        interface="asgi3",
    )
    listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    listener.bind((host, port))
    _Server(config).run(sockets=[listener])


class ApiSettings(Protocol):
    @property
    def shared(self) -> SharedSettings: ...
    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...


S = TypeVar("S", bound=ApiSettings)


def run_api(
    service: str,
    settings: S,
    create_app: Callable[[S], ASGIApp],
    *,
    proxy_headers: bool = True,
    http: type[asyncio.Protocol] | None = None,
) -> None:
    """The console script of every API: its logs, its app, served on its port."""
    configure_logging(service, settings.shared.log_format, settings.shared.log_level)
    serve(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        reuse_port=settings.shared.reuse_port,
        proxy_headers=proxy_headers,
        http=http,
    )
