"""The counter's composition root: its parts assembled once, in typed objects every process
starts from. `stores` (the database, the ledger and the totals) serves counter-consumer and
counter-reconcile; `bootstrap` is counter-api's read side (entrypoints/api.py): the database, the
signup service's client and the totals reader."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from counter.repository.ledger import LedgerRepository
from counter.repository.totals import TotalsRepository
from counter.settings import Settings, StoreSettings
from mobilise_runtime.mongo import ServiceDatabase

if TYPE_CHECKING:
    # The read side's parts are imported where they are built (`bootstrap`): counter-consumer
    # starts from this module too, and the web stack (FastAPI, uvicorn, httpx) would cost its
    # every cold start seconds and ~13 MB of memory (tests/unit/test_consumer_imports.py).
    import httpx

    from counter.adapters.campaigns import CampaignDirectory
    from counter.application.reader import TotalsReader


@dataclass(frozen=True)
class CounterStores:
    database: ServiceDatabase
    ledger: LedgerRepository
    totals: TotalsRepository

    async def ensure_indexes(self) -> None:
        await self.ledger.ensure_indexes()
        await self.totals.ensure_indexes()

    async def close(self) -> None:
        await self.database.close()


@dataclass(frozen=True)
class CounterServices:
    settings: Settings
    database: ServiceDatabase
    http: httpx.AsyncClient  # one connection pool for every question to the signup service
    campaigns: CampaignDirectory
    reader: TotalsReader

    async def close(self) -> None:
        await self.reader.close()
        await self.http.aclose()
        await self.database.close()


def stores(settings: StoreSettings, *, service: str) -> CounterStores:
    database = ServiceDatabase(settings.shared.mongo_url, settings.mongo_database, app_name=service)
    return CounterStores(
        database=database,
        ledger=LedgerRepository(database.db),
        totals=TotalsRepository(database.db),
    )


def bootstrap(settings: Settings, *, service: str) -> CounterServices:
    import httpx

    from counter.adapters.campaigns import CampaignDirectory
    from counter.application.reader import TotalsReader
    from counter.presentation.stream import SseFrames
    from counter.repository import TotalsQueries
    from mobilise_runtime.serve import shutting_down

    database = ServiceDatabase(settings.shared.mongo_url, settings.mongo_database, app_name=service)
    http = httpx.AsyncClient()
    return CounterServices(
        settings=settings,
        database=database,
        http=http,
        campaigns=CampaignDirectory(http, settings.signup_url),
        reader=TotalsReader(TotalsQueries(database), shutting_down, frames=SseFrames()),
    )
