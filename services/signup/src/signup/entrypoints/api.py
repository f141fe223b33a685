"""signup-api: create_app() wires the routers, pages and middleware to what bootstrap.py builds."""

from __future__ import annotations

from fastapi import FastAPI

from mobilise_runtime.api import service_api
from mobilise_runtime.compression import compress_responses
from mobilise_runtime.limits import BodyLimit
from mobilise_runtime.pages import static_files
from mobilise_runtime.serve import run_api
from signup.bootstrap import bootstrap
from signup.cors import PartnerCors
from signup.presentation.intake_front import IntakeFront
from signup.presentation.rendering import STATIC_DIR, PageRefused, answer_refused, unavailable_page
from signup.routes import (
    campaigns,
    confirm,
    embed,
    exports,
    invalidations,
    organisers,
    pages,
    partners,
    regions,
    sign_in,
    signups,
    supporters,
    unsubscribe,
    widget,
)
from signup.settings import Settings

SERVICE = "signup-api"
DESCRIPTION = """Campaign pages, pledges and volunteer signups, double opt-in, unsubscribe.

Organiser endpoints need `Authorization: Bearer <token>` (an organiser's token from
`mobilise organiser add`, or `MOBILISE_ADMIN_TOKEN`). Errors are JSON: `{"detail": "..."}`."""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    services = bootstrap(settings, service=SERVICE)
    kafka, database = services.stores.kafka, services.stores.database
    # Signups first: a request is matched against the routes in order, and they are the busiest.
    modules = [signups, campaigns, organisers, exports, pages, confirm, unsubscribe]
    modules += [partners, widget, embed, supporters, invalidations, regions, sign_in]
    app = service_api(
        SERVICE,
        services,
        description=DESCRIPTION,
        routers=[module.router for module in modules],
        checks={"kafka": kafka.ping, "mongo": database.ping, "redis": services.limiter.ping},
        probe_timeout=settings.shared.probe_timeout,
        start=services.start,
        # Mongo may be down at start: the API still starts (and says so on /readyz).
        background=services.stores.repository.ensure_indexes_eventually,
        unavailable_page=unavailable_page,
    )
    app.add_exception_handler(PageRefused, answer_refused)
    app.mount("/static", static_files(STATIC_DIR), name="static")
    # Partners' pages call the widget's endpoints from their own origins (cors.py).
    app.add_middleware(
        PartnerCors, repository=services.stores.repository, public_url=settings.public_url
    )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    compress_responses(app)
    # Outermost: the intake's two routes skip the layers above for what it is sure to answer
    # as they would (presentation/intake_front.py).
    app.add_middleware(IntakeFront, services=services, service=SERVICE)
    return app


def run() -> None:
    # X-Forwarded-For is read by our own rules (SIGNUP_TRUSTED_PROXIES), not uvicorn's.
    run_api(SERVICE, Settings(), create_app, proxy_headers=False)
