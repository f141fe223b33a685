"""create_app(): wiring only — settings, the Kafka publisher, its database, the queue, the signup
service's client, routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from mailer.domain.webhook import WebhookVerifier, load_verification_key
from mailer.mailing_requests import MailingRequests
from mailer.publisher import MailerPublisher
from mailer.queue import QueueProbe
from mailer.repository.mailings import MailingsRepository
from mailer.routes import mailing_previews, mailings, outbox, sign_in, supporters, webhooks
from mailer.settings import Settings
from mailer.signup_client import SignupClient
from mailer.webhook_events import WebhookEvents
from mobilise_runtime.compression import compress_responses
from mobilise_runtime.errors import install as install_error_handler
from mobilise_runtime.health import health_router
from mobilise_runtime.kafka import EventPublisher
from mobilise_runtime.limits import BodyLimit
from mobilise_runtime.logging import configure_logging
from mobilise_runtime.metrics import instrument
from mobilise_runtime.mongo import ServiceDatabase
from mobilise_runtime.serve import serve

SERVICE = "mailer-api"
DESCRIPTION = """Newsletters to a campaign's supporters, and SendGrid's signed Event Webhook.

Organiser endpoints need `Authorization: Bearer <token>` (an organiser's token, or
`MOBILISE_ADMIN_TOKEN`), checked with the signup service. Errors are JSON: `{"detail": "..."}`.
Dev only: `GET /outbox` shows what the local SendGrid stand-in received."""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    shared = settings.shared
    publisher = EventPublisher(
        shared.kafka_bootstrap, prefix=shared.topic_prefix, client_id=SERVICE
    )
    database = ServiceDatabase(shared.mongo_url, settings.mongo_database, app_name=SERVICE)
    queue = QueueProbe(shared.redis_url)
    key = settings.sendgrid_webhook_public_key
    verifier = (
        WebhookVerifier(load_verification_key(key), settings.sendgrid_webhook_max_age_s)
        if key
        else None
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await publisher.start()
        # One connection pool for the signup service and the stand-in (outbox).
        http = app.state.http = httpx.AsyncClient()
        app.state.signup = SignupClient(http, settings.signup_api_url)
        try:
            yield
        finally:
            await http.aclose()
            await publisher.stop()
            await database.close()
            await queue.close()

    app = FastAPI(
        title="mobilise mailer", version="0.1.0", description=DESCRIPTION, lifespan=lifespan
    )
    app.state.settings = settings
    app.state.publisher = publisher
    app.state.database = database
    app.state.mailer_publisher = MailerPublisher(publisher, timeout_s=settings.publish_timeout_s)
    app.state.mailing_requests = MailingRequests(database)
    app.state.mailings = MailingsRepository(database.db)
    app.state.webhook_events = WebhookEvents(database)
    app.state.webhook_verifier = verifier
    install_error_handler(app)
    for module in (mailing_previews, mailings, webhooks, outbox, supporters, sign_in):
        app.include_router(module.router)
    checks = {"kafka": publisher.ping, "mongo": database.ping, "redis": queue.ping}
    app.include_router(health_router(checks, shared.probe_timeout))
    instrument(app, SERVICE)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
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
