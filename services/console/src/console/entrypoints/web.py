"""console-web: create_app() wires the routers and pages to what bootstrap.py builds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from console.bootstrap import bootstrap
from console.presentation.rendering import STATIC_DIR, install_error_pages
from console.routes import (
    campaigns,
    invalidations,
    newsletters,
    partners,
    sign_in,
    supporters,
)
from console.settings import Settings
from mobilise_runtime.health import health_router
from mobilise_runtime.limits import BodyLimit
from mobilise_runtime.metrics import instrument
from mobilise_runtime.serve import run_api

SERVICE = "console-web"
MAX_BODY_BYTES = 65_536


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    services = bootstrap(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await services.close()

    # No docs: the console is pages, its API is the three services'.
    app = FastAPI(
        title="mobilise console",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.services = services
    install_error_pages(app)
    for module in (sign_in, campaigns, partners, newsletters, supporters, invalidations):
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
    # The browser's address is passed on to the signup service with its X-Forwarded-For, whose
    # own rules (SIGNUP_TRUSTED_PROXIES) read it: uvicorn's would put a forwarded address, which
    # may be anyone's, in the peer's place.
    run_api(SERVICE, Settings(), create_app, proxy_headers=False)
