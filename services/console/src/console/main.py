"""create_app(): wiring only — settings, the APIs' client, the session codec, routers, pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from console.apis import Apis
from console.rendering import STATIC_DIR, environments, install_error_pages
from console.routes import campaigns, newsletters, partners, sign_in, supporters
from console.session import SessionCodec
from console.settings import Settings
from mobilise_runtime.health import health_router
from mobilise_runtime.limits import BodyLimit
from mobilise_runtime.logging import configure_logging
from mobilise_runtime.metrics import instrument
from mobilise_runtime.serve import serve

SERVICE = "console-web"
MAX_BODY_BYTES = 65_536


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    http = httpx.AsyncClient()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await http.aclose()

    # No docs: the console is pages, its API is the three services'.
    app = FastAPI(
        title="mobilise console",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.apis = Apis(http, settings)
    app.state.codec = SessionCodec(settings.session_secret.get_secret_value())
    app.state.jinja = environments()
    install_error_pages(app)
    for module in (sign_in, campaigns, partners, newsletters, supporters):
        app.include_router(module.router)
    app.mount(
        "/static",
        StaticFiles(directory=STATIC_DIR, packages=[("mobilise_runtime", "static")]),
        name="static",
    )
    # Stateless: ready when it runs (a service it calls that is down is a banner on the page).
    app.include_router(health_router({}, settings.shared.probe_timeout))
    instrument(app, SERVICE)
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)
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
