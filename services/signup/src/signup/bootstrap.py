"""The signup service's composition root: its parts assembled once, in typed objects every
process starts from. `stores` (the database, its repositories, the Kafka publisher) serves every
process — signup-api, signup-projector, the `mobilise` CLI, signup-retention; `bootstrap` adds
what signup-api (entrypoints/api.py) needs besides (tokens, the abuse guard, the intake, the HTTP
client)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mobilise_runtime.kafka import EventPublisher
from mobilise_runtime.mongo import ServiceDatabase
from signup.adapters.publisher import SignupPublisher
from signup.repository import Repository
from signup.settings import Settings, StoreSettings

if TYPE_CHECKING:
    # signup-api's own parts are imported where they are built (`bootstrap`): signup-projector,
    # the CLI and retention start from this module too, and must not load the web stack
    # (FastAPI, httpx, Redis) for nothing (tests/unit/test_consumer_imports.py).
    import httpx

    from mobilise_runtime.link_tokens import Tokens
    from signup.adapters.limiter import Limiter
    from signup.application.guard import Guard
    from signup.application.intake import Intake
    from signup.presentation.public_page import PublicPages

# What a process that publishes without a supporter waiting may wait for Kafka (the CLI's erase).
PUBLISH_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class SignupStores:
    database: ServiceDatabase
    repository: Repository
    kafka: EventPublisher  # started by whoever publishes (the API, the CLI's erase)
    publisher: SignupPublisher

    async def close(self) -> None:
        await self.kafka.stop()
        await self.database.close()


@dataclass(frozen=True)
class SignupServices:
    settings: Settings
    stores: SignupStores
    tokens: Tokens
    limiter: Limiter
    guard: Guard  # the rate limits of signups (through the intake) and of sign-in links
    intake: Intake
    public_pages: PublicPages  # the hosted pages as last rendered
    http: httpx.AsyncClient  # one connection pool for the counter (progress bars) and the mailer

    async def start(self) -> None:
        await self.stores.kafka.start()

    async def close(self) -> None:
        await self.http.aclose()
        await self.stores.close()
        await self.limiter.close()


def stores(
    settings: StoreSettings, *, service: str, publish_timeout_s: float = PUBLISH_TIMEOUT_S
) -> SignupStores:
    shared = settings.shared
    kafka = EventPublisher(shared.kafka_bootstrap, prefix=shared.topic_prefix, client_id=service)
    database = ServiceDatabase(shared.mongo_url, settings.mongo_database, app_name=service)
    return SignupStores(
        database=database,
        repository=Repository(database),
        kafka=kafka,
        publisher=SignupPublisher(kafka, timeout_s=publish_timeout_s),
    )


def bootstrap(settings: Settings, *, service: str) -> SignupServices:
    import httpx

    from mobilise_runtime.link_tokens import Tokens
    from signup.adapters.limiter import Limiter
    from signup.application.guard import Guard
    from signup.application.intake import Intake
    from signup.domain.proof import ProofOfWork
    from signup.presentation.public_page import PublicPages

    shared = settings.shared
    kept = stores(settings, service=service, publish_timeout_s=settings.publish_timeout_s)
    tokens = Tokens(
        settings.token_keys.get_secret_value(),
        confirm_max_age_s=settings.confirm_link_days * 86_400,
    )
    limiter = Limiter(shared.redis_url, timeout_s=shared.probe_timeout)
    secret = settings.supporter_key_secret.get_secret_value().encode()
    # Derived, so the proofs and the hashed networks need no secret of their own.
    abuse_key = hmac.new(secret, b"mobilise abuse limits", hashlib.sha256).digest()
    guard = Guard(
        limiter=limiter,
        proofs=ProofOfWork(abuse_key, bits=settings.proof_bits, ttl_s=settings.proof_ttl_s),
        key=abuse_key,
        namespace=shared.topic_prefix,
    )
    return SignupServices(
        settings=settings,
        stores=kept,
        tokens=tokens,
        limiter=limiter,
        guard=guard,
        intake=Intake(
            publisher=kept.publisher,
            partners=kept.repository.partners,
            key_secret=secret,
            guard=guard,
        ),
        public_pages=PublicPages(),
        http=httpx.AsyncClient(),
    )
