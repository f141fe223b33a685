"""The signup service's parts, assembled once, in typed objects its processes start from:
`stores` (the database, its repositories, the Kafka publisher) for every process, the `mobilise`
CLI included; `bootstrap` adds what signup-api (main.py) needs besides (tokens, the intake, the
HTTP client)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from mobilise_runtime.kafka import EventPublisher
from mobilise_runtime.mongo import ServiceDatabase
from signup.domain.tokens import Tokens
from signup.intake import Intake
from signup.publisher import SignupPublisher
from signup.repository import Repository
from signup.settings import Settings, StoreSettings


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
    intake: Intake
    http: httpx.AsyncClient  # one connection pool for every call to the counter (progress bars)

    async def close(self) -> None:
        await self.http.aclose()
        await self.stores.close()


def stores(settings: StoreSettings, *, service: str, publish_timeout_s: float) -> SignupStores:
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
    kept = stores(settings, service=service, publish_timeout_s=settings.publish_timeout_s)
    tokens = Tokens(
        settings.token_keys.get_secret_value(),
        confirm_max_age_s=settings.confirm_link_days * 86_400,
    )
    return SignupServices(
        settings=settings,
        stores=kept,
        tokens=tokens,
        intake=Intake(
            publisher=kept.publisher,
            partners=kept.repository.partners,
            tokens=tokens,
            key_secret=settings.supporter_key_secret.get_secret_value().encode(),
        ),
        http=httpx.AsyncClient(),
    )
