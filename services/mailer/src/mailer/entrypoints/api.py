"""mailer-api: create_app() wires the routers to what bootstrap.py builds."""

from __future__ import annotations

from fastapi import FastAPI

from mailer.bootstrap import bootstrap
from mailer.routes import mailing_previews, mailings, outbox, sign_in, supporters, webhooks
from mailer.settings import Settings
from mobilise_runtime.api import service_api
from mobilise_runtime.compression import compress_responses
from mobilise_runtime.limits import BodyLimit
from mobilise_runtime.serve import run_api

SERVICE = "mailer-api"
DESCRIPTION = """Newsletters to a campaign's supporters, and SendGrid's signed Event Webhook.

Organiser endpoints need `Authorization: Bearer <token>` (an organiser's token, or
`MOBILISE_ADMIN_TOKEN`), checked with the signup service. Errors are JSON: `{"detail": "..."}`.
Dev only: `GET /outbox` shows what the local SendGrid stand-in received."""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    services = bootstrap(settings, service=SERVICE)
    modules = (mailing_previews, mailings, webhooks, outbox, supporters, sign_in)
    app = service_api(
        SERVICE,
        services,
        description=DESCRIPTION,
        routers=[module.router for module in modules],
        checks={
            "kafka": services.kafka.ping,
            "mongo": services.database.ping,
            "redis": services.queue.ping,
        },
        probe_timeout=settings.shared.probe_timeout,
        start=services.start,
    )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    compress_responses(app)
    return app


def run() -> None:
    run_api(SERVICE, Settings(), create_app)
