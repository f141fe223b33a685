"""create_app(): wiring only — settings, its database, routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from counter.settings import Settings
from mobilise_runtime.health import health_router
from mobilise_runtime.logging import configure_logging
from mobilise_runtime.metrics import instrument
from mobilise_runtime.mongo import ServiceDatabase
from mobilise_runtime.serve import serve

SERVICE = "counter-api"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    shared = settings.shared
    database = ServiceDatabase(shared.mongo_url, settings.mongo_database, app_name=SERVICE)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await database.close()

    app = FastAPI(title="mobilise counter", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.database = database
    app.include_router(health_router({"mongo": database.ping}, shared.probe_timeout))
    instrument(app, SERVICE)
    return app


def run() -> None:
    settings = Settings()
    configure_logging(SERVICE, settings.shared.log_format, settings.shared.log_level)
    serve(create_app(settings), host=settings.host, port=settings.port)
