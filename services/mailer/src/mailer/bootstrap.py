"""The mailer's composition root: its parts assembled once, in typed objects every process
starts from. `bootstrap`: mailer-api's (entrypoints/api.py) settings, Kafka publisher, database,
queue probe, signup service's client, repositories and webhook verifier; `consumer_parts`:
mailer-consumer's database, Celery queue, campaign titles, address hasher and link tokens;
`worker_app`: mailer-worker's Celery app, and `delivery`: what its tasks send with (and the
link tokens they mint);
`retention_parts`: mailer-retention's database, Redis and signup client."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from celery import Celery
from pydantic import SecretStr
from redis.asyncio import Redis

from mailer.adapters.campaigns import CampaignTitles
from mailer.adapters.publisher import MailerPublisher
from mailer.adapters.queue import QueueProbe, create_celery
from mailer.adapters.sendgrid import SendGridClient
from mailer.adapters.signup_client import SignupClient
from mailer.application.delivery import Delivery
from mailer.domain.addresses import AddressHasher
from mailer.domain.webhook import WebhookVerifier, load_verification_key
from mailer.presentation.messages import Sender
from mailer.repository.audience import AudienceRepository
from mailer.repository.mailing_requests import MailingRequests
from mailer.repository.mailings import MailingsRepository
from mailer.repository.sending import SendingStore, connect
from mailer.repository.webhook_events import WebhookEvents
from mailer.settings import ConsumerSettings, Settings, WorkerSettings
from mobilise_runtime.kafka import EventPublisher
from mobilise_runtime.link_tokens import Tokens
from mobilise_runtime.mongo import ServiceDatabase


@dataclass(frozen=True)
class MailerServices:
    settings: Settings
    kafka: EventPublisher
    database: ServiceDatabase
    queue: QueueProbe
    http: httpx.AsyncClient  # one connection pool for the signup service and the stand-in
    signup: SignupClient
    publisher: MailerPublisher
    mailing_requests: MailingRequests
    mailings: MailingsRepository
    audience: AudienceRepository  # recipients and suppressions, for the mailing previews
    webhook_events: WebhookEvents
    verifier: WebhookVerifier | None  # None: no webhook key configured, the webhook is 503
    sendgrid: SendGridClient | None  # for sign-in emails; None: no API key, they are 503

    async def start(self) -> None:
        await self.kafka.start()

    async def close(self) -> None:
        await self.http.aclose()
        await self.kafka.stop()
        await self.database.close()
        await self.queue.close()


def bootstrap(settings: Settings, *, service: str) -> MailerServices:
    shared = settings.shared
    kafka = EventPublisher(shared.kafka_bootstrap, prefix=shared.topic_prefix, client_id=service)
    database = ServiceDatabase(shared.mongo_url, settings.mongo_database, app_name=service)
    http = httpx.AsyncClient()
    key = settings.sendgrid_webhook_public_key
    return MailerServices(
        settings=settings,
        kafka=kafka,
        database=database,
        queue=QueueProbe(shared.redis_url),
        http=http,
        signup=SignupClient(http, settings.signup_api_url),
        publisher=MailerPublisher(kafka, timeout_s=settings.publish_timeout_s),
        mailing_requests=MailingRequests(database),
        mailings=MailingsRepository(database.db),
        audience=AudienceRepository(database.db),
        webhook_events=WebhookEvents(database),
        verifier=(
            WebhookVerifier(load_verification_key(key), settings.sendgrid_webhook_max_age_s)
            if key
            else None
        ),
        sendgrid=SendGridClient.from_settings(settings)
        if _has(settings.sendgrid_api_key)
        else None,
    )


def _has(key: SecretStr | None) -> bool:
    return key is not None and bool(key.get_secret_value())


@dataclass(frozen=True)
class ConsumerParts:
    database: ServiceDatabase
    queue: Celery
    http: httpx.AsyncClient  # one connection pool for the campaigns' titles
    titles: CampaignTitles
    hasher: AddressHasher
    tokens: Tokens  # mints the confirm links of signup emails

    async def close(self) -> None:
        await self.http.aclose()
        await self.database.close()
        self.queue.close()


def consumer_parts(settings: ConsumerSettings, *, service: str) -> ConsumerParts:
    shared = settings.shared
    http = httpx.AsyncClient()
    return ConsumerParts(
        database=ServiceDatabase(shared.mongo_url, settings.mongo_database, app_name=service),
        queue=create_celery(settings),
        http=http,
        titles=CampaignTitles(SignupClient(http, settings.signup_api_url)),
        hasher=AddressHasher(settings.email_hash_key.get_secret_value().encode()),
        tokens=_tokens(settings.token_keys, settings),
    )


def _tokens(keys: SecretStr, settings: Settings) -> Tokens:
    return Tokens(keys.get_secret_value(), confirm_max_age_s=settings.confirm_link_days * 86_400)


def worker_app(settings: WorkerSettings) -> Celery:
    """The worker's Celery app, on the queue the consumer and the API fill (its tasks:
    entrypoints/tasks.py). Link keys that are not Fernet keys stop it here, at its start (as
    they stop mailer-consumer), not at its first task (`delivery`, in each forked process)."""
    _tokens(settings.token_keys, settings)
    return create_celery(settings)


def delivery(settings: WorkerSettings) -> Delivery:
    """Built in the forked worker process that uses it: clients are not shared across a fork."""
    return Delivery(
        SendingStore(connect(settings.shared.mongo_url, settings.mongo_database)),
        SendGridClient.from_settings(settings),
        Sender.from_settings(settings),
        settings,
        _tokens(settings.token_keys, settings),
    )


@dataclass(frozen=True)
class RetentionParts:
    database: ServiceDatabase
    redis: Redis
    http: httpx.AsyncClient
    signup: SignupClient

    async def close(self) -> None:
        await self.http.aclose()
        await self.redis.aclose()
        await self.database.close()


def retention_parts(settings: Settings, *, service: str) -> RetentionParts:
    shared = settings.shared
    http = httpx.AsyncClient()
    return RetentionParts(
        database=ServiceDatabase(shared.mongo_url, settings.mongo_database, app_name=service),
        redis=Redis.from_url(shared.redis_url),
        http=http,
        signup=SignupClient(http, settings.signup_api_url),
    )
