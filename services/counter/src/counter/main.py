"""create_app(): wiring only — settings, its database, the signup service's client, routers,
pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from counter.campaigns import CampaignDirectory
from counter.reader import TotalsReader
from counter.rendering import STATIC_DIR, page_templates
from counter.repository import TotalsQueries
from counter.routes import dashboard, totals
from counter.settings import Settings
from mobilise_runtime.compression import compress_responses
from mobilise_runtime.errors import install as install_error_handler
from mobilise_runtime.health import health_router
from mobilise_runtime.logging import configure_logging
from mobilise_runtime.metrics import instrument
from mobilise_runtime.mongo import ServiceDatabase
from mobilise_runtime.pages import static_files
from mobilise_runtime.serve import serve, shutting_down

SERVICE = "counter-api"
DESCRIPTION = """Live totals of each campaign — per country, region, UN M49 macro-region and
partner — now, over time and as a stream (Server-Sent Events); the organisers' dashboard at
`/dashboard/{slug}`. Aggregate numbers only, without personal data: no token needed.
Errors are JSON: `{"detail": "..."}`."""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    shared = settings.shared
    database = ServiceDatabase(shared.mongo_url, settings.mongo_database, app_name=SERVICE)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # One connection pool for every question to the signup service.
        async with httpx.AsyncClient() as http:
            app.state.campaigns = CampaignDirectory(http, settings.signup_url)
            try:
                yield
            finally:
                await app.state.reader.close()
                await database.close()

    app = FastAPI(
        title="mobilise counter", version="0.1.0", description=DESCRIPTION, lifespan=lifespan
    )
    app.state.settings = settings
    app.state.database = database
    app.state.reader = TotalsReader(TotalsQueries(database), shutting_down)
    app.state.templates = page_templates()
    install_error_handler(app)
    for module in (totals, dashboard):
        app.include_router(module.router)
    app.mount("/static", static_files(STATIC_DIR), name="static")
    app.include_router(health_router({"mongo": database.ping}, shared.probe_timeout))
    instrument(app, SERVICE)
    compress_responses(app)
    return app


def run() -> None:
    settings = Settings()
    configure_logging(SERVICE, settings.shared.log_format, settings.shared.log_level)
    serve(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        reuse_port=settings.shared.reuse_port,
    )
