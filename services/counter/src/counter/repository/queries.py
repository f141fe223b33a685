"""The read side of the counter's database: a campaign's totals document and its hourly history
documents, as the consumer writes them. Reads only: each of these documents has one writer, the
consumer that owns the campaign's partition."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pymongo.errors import PyMongoError

from counter.domain.errors import Unavailable
from counter.domain.totals_document import (
    CAMPAIGN_ID,
    HISTORY,
    READ_HISTORY,
    READ_TOTALS,
    TOTALS,
    hour_id,
)
from mobilise_runtime.mongo import Document, ServiceDatabase

RETRY_AFTER_S = 2


class TotalsQueries:
    def __init__(self, database: ServiceDatabase) -> None:
        self._totals = database.db[TOTALS]
        self._history = database.db[HISTORY]

    async def totals(self, campaign_id: str) -> Document | None:
        """The campaign's totals document (None before its first signup): one read, so its sums
        agree with each other."""
        try:
            return await self._totals.find_one({"_id": campaign_id}, READ_TOTALS)
        except PyMongoError as exc:
            raise _unavailable() from exc

    async def history(self, campaign_id: str, hours: Sequence[datetime]) -> list[Document]:
        """The history documents of `hours` (UTC hour starts) that exist, in any order."""
        # By _id: MongoDB's primary index serves this, whatever other indexes exist. The campaign
        # too: FerretDB pushes that equality down (never `$in`), so it decodes the campaign's
        # documents, not the whole collection (docs/counter.md, "Reading history documents").
        ids = [hour_id(campaign_id, hour) for hour in hours]
        query = {CAMPAIGN_ID: campaign_id, "_id": {"$in": ids}}
        try:
            return await self._history.find(query, READ_HISTORY).to_list()
        except PyMongoError as exc:
            raise _unavailable() from exc


def _unavailable() -> Unavailable:
    return Unavailable(
        "the totals database does not answer: try again shortly", retry_after_s=RETRY_AFTER_S
    )
