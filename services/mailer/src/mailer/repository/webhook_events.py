"""`webhook_events`: the SendGrid events already handled, by sg_event_id, so that a batch SendGrid
posts again (it retries whatever was not answered 2xx) has no effect twice. The mailer API is its
only writer; a document holds the id, the event type and when it came, no personal data."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pymongo.errors import PyMongoError

from mailer.domain.webhook import DeliveryEvent
from mobilise_runtime.errors import Unavailable
from mobilise_runtime.logging import get_logger
from mobilise_runtime.mongo import WRITES_PER_COMMAND, ServiceDatabase, insert_new

RETRY_AFTER_S = 5
log = get_logger(__name__)


class WebhookEvents:
    def __init__(self, database: ServiceDatabase) -> None:
        self._events = database.db["webhook_events"]

    async def handled(self, event_ids: Sequence[str]) -> set[str]:
        """Which of these events were handled before."""
        found: set[str] = set()
        try:
            for start in range(0, len(event_ids), WRITES_PER_COMMAND):
                chunk = list(event_ids[start : start + WRITES_PER_COMMAND])
                async for doc in self._events.find({"_id": {"$in": chunk}}, {"_id": 1}):
                    found.add(doc["_id"])
        except PyMongoError as exc:
            raise _unavailable(exc) from exc
        return found

    async def record(self, events: Sequence[DeliveryEvent], *, at: datetime) -> None:
        """Remember these events as handled; one recorded already (a concurrent post of the same
        batch) is not an error."""
        docs = [
            {"_id": e.sg_event_id, "event": e.kind, "received_at": at}
            for e in events
            if e.sg_event_id is not None
        ]
        try:
            await insert_new(self._events, docs)
        except PyMongoError as exc:
            raise _unavailable(exc) from exc


def _unavailable(exc: Exception) -> Unavailable:
    log.warning("webhook events store unavailable", error=repr(exc))
    return Unavailable(
        "the mailer's database does not answer: SendGrid will post these events again",
        retry_after_s=RETRY_AFTER_S,
    )
