"""The only package of the signup service that talks to MongoDB (its own database)."""

from __future__ import annotations

import asyncio

from pymongo.errors import PyMongoError

from mobilise_runtime.logging import get_logger
from mobilise_runtime.mongo import ServiceDatabase
from signup.repository.anonymisation import AnonymisationRepository
from signup.repository.campaigns import CampaignRepository, ConsentTextRepository
from signup.repository.erasures import ErasureRepository
from signup.repository.invalidations import InvalidationRepository
from signup.repository.organisers import OrganiserRepository
from signup.repository.partners import PartnerRepository
from signup.repository.sign_ins import SignInRepository
from signup.repository.supporters import SupporterRepository
from signup.repository.unsubscriptions import UnsubscriptionRepository

log = get_logger(__name__)


class Repository:
    def __init__(self, database: ServiceDatabase) -> None:
        self.database = database
        self.campaigns = CampaignRepository(database.db)
        self.consent_texts = ConsentTextRepository(database.db)
        self.organisers = OrganiserRepository(database.db)
        self.partners = PartnerRepository(database.db)
        self.supporters = SupporterRepository(database.db)
        self.invalidations = InvalidationRepository(database.db)
        self.sign_ins = SignInRepository(database.db)
        self.erasures = ErasureRepository(database.db)
        self.unsubscriptions = UnsubscriptionRepository(database.db)
        self.anonymisation = AnonymisationRepository(database.db)

    async def ensure_indexes_eventually(self) -> None:
        """Create the indexes, retrying with backoff while the database does not answer."""
        delay = 0.5
        while True:
            try:
                await self.ensure_indexes()
            except PyMongoError as exc:
                log.warning("indexes not created yet; retrying", error=str(exc), in_s=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
            else:
                return

    async def ensure_indexes(self) -> None:
        await self.campaigns.ensure_indexes()
        await self.organisers.ensure_indexes()
        await self.supporters.ensure_indexes()
        await self.unsubscriptions.ensure_indexes()
        await self.invalidations.ensure_indexes()


__all__ = [
    "CampaignRepository",
    "ConsentTextRepository",
    "InvalidationRepository",
    "OrganiserRepository",
    "PartnerRepository",
    "Repository",
    "SignInRepository",
    "SupporterRepository",
]
