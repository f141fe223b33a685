"""counter-api: create_app() wires the routers and pages to what bootstrap.py builds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from counter.bootstrap import bootstrap
from counter.rendering import STATIC_DIR
from counter.routes import dashboard, totals
from counter.settings import Settings
from mobilise_runtime.compression import compress_responses
from mobilise_runtime.errors import install as install_error_handler
from mobilise_runtime.health import health_router
from mobilise_runtime.metrics import instrument
from mobilise_runtime.pages import static_files
from mobilise_runtime.serve import run_api

SERVICE = "counter-api"
DESCRIPTION = """Live totals of each campaign — per country, region, UN M49 macro-region and
partner — now, over time and as a stream (Server-Sent Events); the organisers' dashboard at
`/dashboard/{slug}`. Aggregate numbers only, without personal data: no token needed.
Errors are JSON: `{"detail": "..."}`."""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    services = bootstrap(settings, service=SERVICE)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await services.close()

    app = FastAPI(
        title="mobilise counter", version="0.1.0", description=DESCRIPTION, lifespan=lifespan
    )
    app.state.services = services
    install_error_handler(app)
    for module in (totals, dashboard):
        app.include_router(module.router)
    app.mount("/static", static_files(STATIC_DIR), name="static")
    app.include_router(
        health_router({"mongo": services.database.ping}, settings.shared.probe_timeout)
    )
    instrument(app, SERVICE)
    compress_responses(app)
    return app


def run() -> None:
    run_api(SERVICE, Settings(), create_app)
