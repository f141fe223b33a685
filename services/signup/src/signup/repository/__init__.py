"""The only package of the signup service that talks to MongoDB (its own database)."""

from __future__ import annotations

from mobilise_runtime.mongo import ServiceDatabase
from signup.repository.campaigns import CampaignRepository, ConsentTextRepository
from signup.repository.organisers import OrganiserRepository
from signup.repository.partners import PartnerRepository
from signup.repository.supporters import SupporterRepository


class Repository:
    def __init__(self, database: ServiceDatabase) -> None:
        self.database = database
        self.campaigns = CampaignRepository(database.db)
        self.consent_texts = ConsentTextRepository(database.db)
        self.organisers = OrganiserRepository(database.db)
        self.partners = PartnerRepository(database.db)
        self.supporters = SupporterRepository(database.db)

    async def ensure_indexes(self) -> None:
        await self.campaigns.ensure_indexes()
        await self.organisers.ensure_indexes()
        await self.supporters.ensure_indexes()


__all__ = [
    "CampaignRepository",
    "ConsentTextRepository",
    "OrganiserRepository",
    "PartnerRepository",
    "Repository",
    "SupporterRepository",
]
