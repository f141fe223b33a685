"""Celery tasks of the mailer."""

from __future__ import annotations

import functools
from typing import Any

from celery import Task

from mailer import bootstrap
from mailer.delivery import Delivery, Retry
from mailer.queue import SEND_BATCH
from mailer.worker import app, settings


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
    """Sends one SendGrid request's worth of mail (mailer.specs' payload, validated here; see
    mailer.delivery for the guarantees)."""
    outcome = _delivery().receive(payload, attempt=self.request.retries + 1)
    if isinstance(outcome, Retry):
        raise self.retry(countdown=outcome.delay_s)
