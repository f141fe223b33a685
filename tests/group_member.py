"""A member of a consumer group of the test's own, reading one of its topics (EventConsumer as
the services run it; `options` are its others: on_assigned, rejects…)."""

from __future__ import annotations

from typing import Any

from mobilise_runtime.kafka import EventConsumer
from mobilise_runtime.kafka.consumer import Handler


def group_member(
    bootstrap: str, prefix: str, group: str, topic: str, handler: Handler, **options: Any
) -> EventConsumer:
    options.setdefault("client_id", "test")
    return EventConsumer(
        bootstrap, group_id=group, topics=[topic], handler=handler, prefix=prefix, **options
    )
