"""The mailer API's parts, assembled once: settings, the Kafka publisher, its database, the
queue's probe, the signup service's client, the repositories and the webhook's verifier, in one
typed object that mailer-api (main.py) starts from."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from mailer.domain.webhook import WebhookVerifier, load_verification_key
from mailer.mailing_requests import MailingRequests
from mailer.publisher import MailerPublisher
from mailer.queue import QueueProbe
from mailer.repository.mailings import MailingsRepository
from mailer.settings import Settings
from mailer.signup_client import SignupClient
from mailer.webhook_events import WebhookEvents
from mobilise_runtime.kafka import EventPublisher
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
    webhook_events: WebhookEvents
    verifier: WebhookVerifier | None  # None: no webhook key configured, the webhook is 503

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
        webhook_events=WebhookEvents(database),
        verifier=(
            WebhookVerifier(load_verification_key(key), settings.sendgrid_webhook_max_age_s)
            if key
            else None
        ),
    )
