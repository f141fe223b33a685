"""Mailer service settings (env prefix MAILER_; shared ones come from MOBILISE_)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from mobilise_runtime.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MAILER_")

    host: str = "127.0.0.1"
    port: int = 8002
    mongo_database: str = "mobilise_mailer"
    consumer_group: str = "mailer"
    # The Redis list Celery keeps the mailer's tasks in (tests use their own).
    celery_queue: str = "mailer"
    worker_concurrency: int = Field(default=2, ge=1)
    # SendGrid: a real API key sends for real (with sendgrid_host "https://api.sendgrid.com"). No
    # default: `make run` and the tests point the host at devstack's stand-in (sendgrid-standin),
    # which takes any key, and pass the key "dev".
    sendgrid_api_key: SecretStr | None = None
    sendgrid_host: str = "http://127.0.0.1:18025"
    sendgrid_timeout_s: float = Field(default=30.0, gt=0)
    from_email: str = "campagnes@mobilise.example"
    from_name: str = "mobilise"
    # The signup service's public address: the base of the confirm and unsubscribe links.
    signup_public_url: str = "http://127.0.0.1:8000"
    # What the confirmation email says of its link; keep equal to SIGNUP_CONFIRM_LINK_DAYS.
    confirm_link_days: int = Field(default=30, ge=1)
    # Personalizations per mail-send request (SendGrid accepts at most 1,000).
    mailing_batch_size: int = Field(default=1000, ge=1, le=1000)
    # The signup service, server to server (may be an internal address): organisers and campaigns
    # (the API checks tokens; the consumer reads campaign titles).
    signup_api_url: str = "http://127.0.0.1:8000"
    # SendGrid's Event Webhook verification key, base64 DER as SendGrid shows it (Mail Settings →
    # Signed Event Webhook). None: POST /webhooks/sendgrid answers 503 (unsigned is never taken).
    sendgrid_webhook_public_key: str | None = None
    # How old a signed webhook request may be. SendGrid retries a failed post for up to 72 hours
    # and does not say whether a retry is signed anew: keep them; sg_event_id dedupes replays.
    sendgrid_webhook_max_age_s: int = Field(default=259_200, ge=60)
    # How long a request may wait for Kafka's acknowledgement before the client is told 503.
    publish_timeout_s: float = Field(default=5.0, gt=0)
    # SendGrid posts webhook batches of up to about 768 KB.
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # Dev only (`make run` sets it): GET /outbox shows what the SendGrid stand-in received.
    dev_outbox: bool = False
    # Key of the hash that names an address in suppressions and erasure tombstones (so neither
    # keeps the address itself). Required by mailer-consumer (ConsumerSettings); keep it stable.
    email_hash_key: SecretStr | None = None
    # The signup service's link keys (SIGNUP_TOKEN_KEYS, the same list in the same order): the
    # consumer mints each signup's confirm link with the first, the worker each email's
    # unsubscribe link, and the signup service opens them. Required by mailer-consumer
    # (ConsumerSettings) and mailer-worker (WorkerSettings).
    token_keys: SecretStr | None = None
    # Seconds before Redis gives a task taken by a worker that vanished (kill -9, lost machine) to
    # another worker. Longer than any send; tests shorten it.
    celery_visibility_timeout_s: int = Field(default=3600, ge=1)
    # A newsletter batch, confirmation or welcome email untouched this long while waiting to be sent
    # is queued again (its task was lost: Redis restarted without its data, or a worker died
    # between taking it and recording it). Longer than a task may wait in the queue plus its
    # retries; checked every requeue_check_s.
    requeue_after_s: int = Field(default=7200, ge=1)
    requeue_check_s: float = Field(default=60.0, gt=0)
    # Retries of a send on 429 and 5xx: exponential from the base, capped, with full jitter.
    send_max_attempts: int = Field(default=8, ge=1)
    send_retry_base_s: float = Field(default=2.0, gt=0)
    send_retry_max_s: float = Field(default=300.0, gt=0)
    # How long a worker's task waits for the store (FerretDB/MongoDB stopped or restarting)
    # before giving its task up to the stalled-batch sweep.
    store_wait_s: float = Field(default=300.0, gt=0)


class ConsumerSettings(Settings):
    """mailer-consumer's: it names every address by its keyed hash and mints each signup's
    confirm link, so it does not start without both keys."""

    email_hash_key: SecretStr
    token_keys: SecretStr


class WorkerSettings(Settings):
    """mailer-worker's: it sends through SendGrid and mints the unsubscribe link of every email
    it sends, so it does not start without the API key and the link keys (a worker without them
    would take every task and fail it)."""

    sendgrid_api_key: SecretStr
    token_keys: SecretStr
