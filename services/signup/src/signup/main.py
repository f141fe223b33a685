"""create_app(): wiring only — settings, Kafka, the database, tokens, routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from mobilise_runtime.health import health_router
from mobilise_runtime.kafka import EventPublisher
from mobilise_runtime.logging import configure_logging
from mobilise_runtime.metrics import instrument
from mobilise_runtime.mongo import ServiceDatabase
from mobilise_runtime.serve import serve
from signup.domain.tokens import Tokens
from signup.intake import Intake
from signup.limits import BodyLimit
from signup.publisher import SignupPublisher
from signup.repository import Repository
from signup.routes import campaigns, errors, exports, signups
from signup.settings import Settings

SERVICE = "signup-api"
DESCRIPTION = """Campaign pages, pledges and volunteer signups, double opt-in, unsubscribe.

Organiser endpoints need `Authorization: Bearer <token>` (an organiser's token from
`mobilise organiser add`, or `MOBILISE_ADMIN_TOKEN`). Errors are JSON: `{"detail": "..."}`."""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    shared = settings.shared
    kafka = EventPublisher(shared.kafka_bootstrap, prefix=shared.topic_prefix, client_id=SERVICE)
    database = ServiceDatabase(shared.mongo_url, settings.mongo_database, app_name=SERVICE)
    repository = Repository(database)
    tokens = Tokens(
        settings.token_keys.get_secret_value(),
        confirm_max_age_s=settings.confirm_link_days * 86_400,
    )
    publisher = SignupPublisher(kafka, timeout_s=settings.publish_timeout_s)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await kafka.start()
        try:
            await repository.ensure_indexes()
            yield
        finally:
            await kafka.stop()
            await database.close()

    app = FastAPI(
        title="mobilise signup", version="0.1.0", description=DESCRIPTION, lifespan=lifespan
    )
    app.state.settings = settings
    app.state.repository = repository
    app.state.publisher = publisher
    app.state.tokens = tokens
    app.state.intake = Intake(
        publisher=publisher,
        partners=repository.partners,
        tokens=tokens,
        key_secret=settings.supporter_key_secret.get_secret_value().encode(),
    )
    errors.install(app)
    for module in (campaigns, signups, exports):
        app.include_router(module.router)
    app.include_router(
        health_router({"kafka": kafka.ping, "mongo": database.ping}, shared.probe_timeout)
    )
    instrument(app, SERVICE)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    return app


def run() -> None:
    settings = Settings()
    configure_logging(SERVICE, settings.shared.log_format, settings.shared.log_level)
    serve(create_app(settings), host=settings.host, port=settings.port)
