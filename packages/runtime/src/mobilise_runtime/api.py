"""What every API's create_app() does the same way: the app with its composition root started
with it and closed after it (kept in `app.state.services`, where the dependencies find it),
domain errors answered as JSON, its routers, the probes and the metrics. What differs (static
files, middleware, compression last) the service adds to the app this returns."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Any, Protocol

from fastapi import APIRouter, FastAPI

from mobilise_runtime.error_responses import UnavailablePage
from mobilise_runtime.error_responses import install as install_error_handler
from mobilise_runtime.health import Check, health_router
from mobilise_runtime.metrics import instrument


class Closable(Protocol):
    async def close(self) -> None: ...


def service_api(
    service: str,
    services: Closable,
    *,
    description: str,
    routers: Iterable[APIRouter],
    checks: Mapping[str, Check],
    probe_timeout: float,
    start: Callable[[], Awaitable[None]] | None = None,
    background: Callable[[], Coroutine[Any, Any, None]] | None = None,
    unavailable_page: UnavailablePage | None = None,
) -> FastAPI:
    """The app of `service` ("signup-api": titled "mobilise signup"). `start`: awaited before
    the app takes requests; `background`: runs while the app does (cancelled when it stops), for
    work the app must not wait for at start; `unavailable_page`: the service's 503 page, for its
    pages when they must be retried later (the store not answering)."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        task: asyncio.Task[None] | None = None
        # A start that fails part-way has opened clients and pools already: they are closed too.
        try:
            if start is not None:
                await start()
            task = asyncio.create_task(background()) if background is not None else None
            yield
        finally:
            if task is not None:
                task.cancel()
            await services.close()

    title = f"mobilise {service.split('-')[0]}"
    app = FastAPI(title=title, version="0.1.0", description=description, lifespan=lifespan)
    app.state.services = services
    install_error_handler(app, unavailable_page=unavailable_page)
    for router in routers:
        app.include_router(router)
    app.include_router(health_router(checks, probe_timeout))
    instrument(app, service)
    return app
