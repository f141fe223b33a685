"""create_app(): wiring only — settings, the Kafka publisher, its database, the queue, routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from mailer.queue import QueueProbe
from mailer.routes import progress
from mailer.settings import Settings
from mobilise_runtime.health import health_router
from mobilise_runtime.kafka import EventPublisher
from mobilise_runtime.logging import configure_logging
from mobilise_runtime.metrics import instrument
from mobilise_runtime.mongo import ServiceDatabase
from mobilise_runtime.serve import serve

SERVICE = "mailer-api"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    shared = settings.shared
    publisher = EventPublisher(
        shared.kafka_bootstrap, prefix=shared.topic_prefix, client_id=SERVICE
    )
    database = ServiceDatabase(shared.mongo_url, settings.mongo_database, app_name=SERVICE)
    queue = QueueProbe(shared.redis_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await publisher.start()
        try:
            yield
        finally:
            await publisher.stop()
            await database.close()
            await queue.close()

    app = FastAPI(title="mobilise mailer", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.publisher = publisher
    app.state.database = database
    checks = {"kafka": publisher.ping, "mongo": database.ping, "redis": queue.ping}
    app.include_router(health_router(checks, shared.probe_timeout))
    app.include_router(progress.router)
    instrument(app, SERVICE)
    return app


def run() -> None:
    settings = Settings()
    configure_logging(SERVICE, settings.shared.log_format, settings.shared.log_level)
    serve(create_app(settings), host=settings.host, port=settings.port)
