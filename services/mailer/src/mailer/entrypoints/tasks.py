"""Celery tasks of the mailer."""

from __future__ import annotations

import functools
from typing import Any

from celery import Task

from mailer import bootstrap
from mailer.adapters.queue import SEND_BATCH
from mailer.application.delivery import Delivery, Retry
from mailer.entrypoints.worker import app, settings
from mobilise_runtime.store_outage import ride_out_blocking


@app.task(name="mailer.ping")
def ping(value: str) -> str:
    """Answers through the result backend: proves a worker consumes the queue (readiness, tests)."""
    return f"pong:{value}"


@functools.cache
def _delivery() -> Delivery:
    # Built on first use, in the forked worker process: clients are not shared across a fork.
    return bootstrap.delivery(settings)


@app.task(bind=True, name=SEND_BATCH, max_retries=None, ignore_result=True)
def send_batch(self: Task[Any, Any], payload: object) -> None:
    """Sends one SendGrid request's worth of mail (mailer.schemas.specs' payload, validated here;
    see mailer.application.delivery for the guarantees)."""
    attempt = self.request.retries + 1
    batch = payload.get("batch_id") if isinstance(payload, dict) else None
    # A store outage is waited out here (bounded): a task failed on it would wait for the
    # stalled-batch sweep (requeue_after_s) to be queued again.
    outcome = ride_out_blocking(
        lambda: _delivery().receive(payload, attempt=attempt),
        process="mailer-worker",
        what=f"batch {batch}",
        within_s=settings.store_wait_s,
    )
    if isinstance(outcome, Retry):
        raise self.retry(countdown=outcome.delay_s)
