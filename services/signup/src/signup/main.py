"""create_app(): wiring only — settings, Kafka, the database, tokens, routers, pages."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from mobilise_runtime.compression import compress_responses
from mobilise_runtime.errors import install as install_error_handler
from mobilise_runtime.health import health_router
from mobilise_runtime.kafka import EventPublisher
from mobilise_runtime.limits import BodyLimit
from mobilise_runtime.logging import configure_logging
from mobilise_runtime.metrics import instrument
from mobilise_runtime.mongo import ServiceDatabase
from mobilise_runtime.pages import static_files
from mobilise_runtime.serve import serve
from signup.cors import PartnerCors
from signup.domain.proof import ProofOfWork
from signup.domain.tokens import Tokens
from signup.guard import Guard
from signup.intake import Intake
from signup.limiter import Limiter
from signup.public_page import PublicPages
from signup.publisher import SignupPublisher
from signup.rendering import STATIC_DIR, page_templates
from signup.repository import Repository
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
    shared = settings.shared
    kafka = EventPublisher(shared.kafka_bootstrap, prefix=shared.topic_prefix, client_id=SERVICE)
    database = ServiceDatabase(shared.mongo_url, settings.mongo_database, app_name=SERVICE)
    repository = Repository(database)
    tokens = Tokens(
        settings.token_keys.get_secret_value(),
        confirm_max_age_s=settings.confirm_link_days * 86_400,
    )
    publisher = SignupPublisher(kafka, timeout_s=settings.publish_timeout_s)
    limiter = Limiter(shared.redis_url, timeout_s=shared.probe_timeout)
    secret = settings.supporter_key_secret.get_secret_value().encode()
    # Derived, so the proofs and the hashed networks need no secret of their own.
    abuse_key = hmac.new(secret, b"mobilise abuse limits", hashlib.sha256).digest()
    guard = Guard(
        limiter=limiter,
        proofs=ProofOfWork(abuse_key, bits=settings.proof_bits, ttl_s=settings.proof_ttl_s),
        key=abuse_key,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await kafka.start()
        # One connection pool for every call to the counter service (progress bars).
        http = app.state.http = httpx.AsyncClient()
        # Mongo may be down at start: the API still starts (and says so on /readyz).
        indexes = asyncio.create_task(repository.ensure_indexes_eventually())
        try:
            yield
        finally:
            indexes.cancel()
            await http.aclose()
            await kafka.stop()
            await database.close()
            await limiter.close()

    app = FastAPI(
        title="mobilise signup", version="0.1.0", description=DESCRIPTION, lifespan=lifespan
    )
    app.state.settings = settings
    app.state.repository = repository
    app.state.publisher = publisher
    app.state.tokens = tokens
    app.state.templates = page_templates()
    app.state.public_pages = PublicPages()
    app.state.intake = Intake(
        publisher=publisher,
        partners=repository.partners,
        tokens=tokens,
        key_secret=secret,
        guard=guard,
    )
    install_error_handler(app)
    for module in (campaigns, organisers, signups, exports, pages, confirm, unsubscribe):
        app.include_router(module.router)
    for module in (partners, widget, embed, supporters, invalidations, regions, sign_in):
        app.include_router(module.router)
    app.mount("/static", static_files(STATIC_DIR), name="static")
    app.include_router(
        health_router(
            {"kafka": kafka.ping, "mongo": database.ping, "redis": limiter.ping},
            shared.probe_timeout,
        )
    )
    instrument(app, SERVICE)
    # Partners' pages call the widget's endpoints from their own origins (cors.py).
    app.add_middleware(PartnerCors, repository=repository, public_url=settings.public_url)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    compress_responses(app)
    return app


def run() -> None:
    settings = Settings()
    configure_logging(SERVICE, settings.shared.log_format, settings.shared.log_level)
    # X-Forwarded-For is read by our own rules (SIGNUP_TRUSTED_PROXIES), not uvicorn's.
    serve(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        reuse_port=settings.shared.reuse_port,
        proxy_headers=False,
    )
