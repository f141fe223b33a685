"""Queues the consumer's send tasks on Celery (Redis), all of a call's tasks in one go, each as
its JSON payload (mailer.schemas.specs)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from celery import Celery

from mailer.adapters.queue import SEND_BATCH
from mailer.schemas.specs import Payload, SendTask, task_payload


class TaskQueue:
    def __init__(self, queue: Celery, name: str) -> None:
        self._queue = queue
        self._name = name

    async def enqueue(self, tasks: Sequence[SendTask | Payload]) -> None:
        """Tasks, or payloads built already (mailer.schemas.specs.newsletter_payload)."""
        if tasks:
            payloads = [t if isinstance(t, dict) else task_payload(t) for t in tasks]
            # kombu's Redis client blocks: off the event loop, all tasks in one go.
            await asyncio.to_thread(self._send_tasks, payloads)

    def _send_tasks(self, payloads: list[dict[str, Any]]) -> None:
        with self._queue.producer_or_acquire() as producer:
            for payload in payloads:
                self._queue.send_task(
                    SEND_BATCH, args=[payload], queue=self._name, producer=producer
                )
