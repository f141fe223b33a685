"""Celery tasks of the mailer."""

from __future__ import annotations

from mailer.worker import app


@app.task(name="mailer.ping")
def ping(value: str) -> str:
    """Answers through the result backend: proves a worker consumes the queue (readiness, tests)."""
    return f"pong:{value}"
