"""`mailing_requests`: one small document per mailing the API accepted, written before its event
is published, so that GET /api/v1/mailings/{id} knows the id even before the consumer has read
it. The mailer API is its only writer.

A request sent again with the same Idempotency-Key names the same mailing: its document is found
again and the same event published again (the consumer plans a mailing once, whatever the number
of its events), so a client may retry after a 503 without mailing anyone twice."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from pymongo.errors import DuplicateKeyError, PyMongoError

from mobilise_runtime.errors import Conflict, Unavailable
from mobilise_runtime.logging import get_logger
from mobilise_runtime.mongo import ServiceDatabase

RETRY_AFTER_S = 5
log = get_logger(__name__)


@dataclass(frozen=True)
class MailingRequest:
    mailing_id: uuid.UUID
    campaign_id: str
    requested_by: str
    requested_at: datetime
    # SHA-256 of what was asked (campaign, subject, texts, audience): a retry must ask the same.
    content_hash: str


class MailingRequests:
    def __init__(self, database: ServiceDatabase) -> None:
        self._requests = database.db["mailing_requests"]

    async def record(self, request: MailingRequest) -> MailingRequest:
        """The request as recorded: this one, or the same one recorded before under its id.
        Conflict if that id was recorded for something else."""
        doc = {
            "_id": str(request.mailing_id),
            "campaign_id": request.campaign_id,
            "requested_by": request.requested_by,
            "requested_at": request.requested_at,
            "content_hash": request.content_hash,
        }
        try:
            try:
                await self._requests.insert_one(doc)
                return request
            except DuplicateKeyError:
                found = await self._requests.find_one({"_id": doc["_id"]})
        except PyMongoError as exc:
            log.warning("mailing request not recorded", error=repr(exc))
            raise Unavailable(
                "the mailer's database does not answer: nothing was accepted, try again",
                retry_after_s=RETRY_AFTER_S,
            ) from exc
        if found is None or found.get("content_hash") != request.content_hash:
            raise Conflict(
                "this Idempotency-Key was used for another mailing: use a new key",
                field="Idempotency-Key",
            )
        return MailingRequest(
            mailing_id=request.mailing_id,
            campaign_id=found["campaign_id"],
            requested_by=found["requested_by"],
            requested_at=found["requested_at"],
            content_hash=found["content_hash"],
        )
