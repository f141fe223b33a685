"""`mailing_requests`: one small document per mailing the API accepted, written before its event
is published, so that GET /api/v1/mailings/{id} knows the id even before the consumer has read
it. The mailer API is its only writer."""

from __future__ import annotations

import uuid
from datetime import datetime

from pymongo.errors import PyMongoError

from mailer.domain.errors import Unavailable
from mobilise_runtime.logging import get_logger
from mobilise_runtime.mongo import ServiceDatabase

RETRY_AFTER_S = 5
log = get_logger(__name__)


class MailingRequests:
    def __init__(self, database: ServiceDatabase) -> None:
        self._requests = database.db["mailing_requests"]

    async def record(
        self, *, mailing_id: uuid.UUID, campaign_id: str, requested_by: str, at: datetime
    ) -> None:
        doc = {
            "_id": str(mailing_id),
            "campaign_id": campaign_id,
            "requested_by": requested_by,
            "requested_at": at,
        }
        try:
            await self._requests.insert_one(doc)
        except PyMongoError as exc:
            log.warning("mailing request not recorded", error=repr(exc))
            raise Unavailable(
                "the mailer's database does not answer: nothing was accepted, try again",
                retry_after_s=RETRY_AFTER_S,
            ) from exc
