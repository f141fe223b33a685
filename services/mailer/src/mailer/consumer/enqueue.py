"""Queues the consumer's tasks on Celery (Redis), all of a call's tasks in one go."""

from __future__ import annotations

import asyncio

from celery import Celery

from mailer.queue import SEND_BATCH
from mailer.specs import Spec


class TaskQueue:
    def __init__(self, queue: Celery, name: str) -> None:
        self._queue = queue
        self._name = name

    async def enqueue(self, specs: list[Spec]) -> None:
        if specs:
            # kombu's Redis client blocks: off the event loop, all tasks in one go.
            await asyncio.to_thread(self._send_tasks, specs)

    def _send_tasks(self, specs: list[Spec]) -> None:
        with self._queue.producer_or_acquire() as producer:
            for spec in specs:
                self._queue.send_task(SEND_BATCH, args=[spec], queue=self._name, producer=producer)
