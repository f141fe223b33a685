"""counter-api: create_app() wires the routers and pages to what bootstrap.py builds."""

from __future__ import annotations

import os
from typing import cast

from fastapi import FastAPI
from starlette.types import ASGIApp
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from counter.bootstrap import CounterServices, bootstrap
from counter.presentation.rendering import STATIC_DIR, unavailable_page
from counter.presentation.totals_front import TotalsFront
from counter.routes import dashboard, totals
from counter.settings import Settings
from mobilise_runtime.api import service_api
from mobilise_runtime.compression import compress_responses
from mobilise_runtime.lean_http import LeanHttpToolsProtocol
from mobilise_runtime.pages import static_files
from mobilise_runtime.serve import run_api

SERVICE = "counter-api"
DESCRIPTION = """Live totals of each campaign — per country, region, UN M49 macro-region and
partner — now, over time and as a stream (Server-Sent Events); the organisers' dashboard at
`/dashboard/{slug}`. Aggregate numbers only, without personal data: no token needed.
Errors are JSON: `{"detail": "..."}`."""


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app alone: its own routes answer every request (in-process tests, OpenAPI)."""
    settings = settings or Settings()
    return _app(settings, bootstrap(settings, service=SERVICE))


def create_served(settings: Settings) -> ASGIApp:
    """What the process serves: the live totals answered before the app is even entered, which
    answers the rest (presentation/totals_front.py)."""
    services = bootstrap(settings, service=SERVICE)
    # uvicorn's own handling of X-Forwarded-Proto/-For (served with proxy_headers=False), behind
    # the front: the live totals read neither, and each layer a stream passes is kept per viewer.
    trusted = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")  # uvicorn's default
    app = ProxyHeadersMiddleware(_app(settings, services), trusted_hosts=trusted)  # type: ignore[arg-type]
    return TotalsFront(cast(ASGIApp, app), services=services, service=SERVICE)


def _app(settings: Settings, services: CounterServices) -> FastAPI:
    app = service_api(
        SERVICE,
        services,
        description=DESCRIPTION,
        routers=[totals.router, dashboard.router],
        checks={"mongo": services.database.ping},
        probe_timeout=settings.shared.probe_timeout,
        unavailable_page=unavailable_page,
    )
    app.mount("/static", static_files(STATIC_DIR), name="static")
    compress_responses(app)
    return app


def run() -> None:
    # Lighter connections: each live viewer holds one for as long as it watches.
    run_api(SERVICE, Settings(), create_served, proxy_headers=False, http=LeanHttpToolsProtocol)
