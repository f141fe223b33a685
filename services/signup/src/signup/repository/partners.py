"""Partners (associations, incubators) that bring signups to campaigns."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from mobilise_runtime.mongo import Document


class PartnerRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._partners = db["partners"]

    async def works_for(self, key: str, campaign_id: str) -> bool:
        return await self._partners.find_one({"_id": key, "campaigns": campaign_id}) is not None
