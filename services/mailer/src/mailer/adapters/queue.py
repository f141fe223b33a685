"""The Celery app: the mailer's tasks travel through Redis, and this module owns that connection."""

from __future__ import annotations

from typing import Any

from celery import Celery
from celery.signals import setup_logging
from redis.asyncio import Redis

from mailer.settings import Settings
from mobilise_runtime.logging import configure_logging

# the task that sends one SendGrid request (mailer.entrypoints.tasks)
SEND_BATCH = "mailer.send_batch"


def create_celery(settings: Settings) -> Celery:
    redis_url = settings.shared.redis_url
    app = Celery(
        "mailer", broker=redis_url, backend=redis_url, include=["mailer.entrypoints.tasks"]
    )
    app.conf.update(
        task_default_queue=settings.celery_queue,
        # A task is acknowledged after it ran, and given back if its worker dies mid-send;
        # each worker holds one task at a time so a crash strands no prefetched work.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_expires=3600,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        enable_utc=True,
        broker_transport_options={
            # Each task's JSON as it is in the message kombu stores in Redis, not base64 of it
            # (its default for Redis): a newsletter batch's message is a fifth smaller and
            # cheaper to queue. kombu decodes a message by the encoding the message names, so
            # workers read tasks queued either way, before an upgrade or after.
            "body_encoding": None,
            **_redelivery(settings.celery_visibility_timeout_s),
        },
    )
    return app


def _redelivery(visibility_timeout_s: int) -> dict[str, int]:
    """Redis gives a task back to the queue this long after a worker took it without
    acknowledging it (a worker that vanished): the redelivery after a crash. Workers look for
    such tasks every 100 s by default; a short timeout gets sweeps to match, and a shorter
    hold on the sweep's lock (a worker killed while sweeping keeps it until it expires)."""
    options = {"visibility_timeout": visibility_timeout_s}
    if visibility_timeout_s < 100:
        options |= {
            "unacked_restore_interval": max(1, visibility_timeout_s // 2),
            "unacked_restore_throttle": 1,
            "unacked_mutex_expire": visibility_timeout_s,
        }
    return options


@setup_logging.connect
def _use_our_logging(**_: Any) -> None:
    shared = Settings().shared
    configure_logging("mailer-worker", shared.log_format, shared.log_level)


class QueueProbe:
    """Readiness of the Redis that carries the Celery queue."""

    def __init__(self, redis_url: str) -> None:
        self._redis = Redis.from_url(redis_url)

    async def ping(self) -> None:
        await self._redis.ping()

    async def close(self) -> None:
        await self._redis.aclose()
