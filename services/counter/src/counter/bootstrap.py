"""The counter's read side, assembled once: settings, its database, the signup service's client
and the totals reader, in one typed object that counter-api (main.py) starts from."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from counter.campaigns import CampaignDirectory
from counter.reader import TotalsReader
from counter.repository import TotalsQueries
from counter.settings import Settings
from mobilise_runtime.mongo import ServiceDatabase


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


def bootstrap(settings: Settings, *, service: str) -> CounterServices:
    database = ServiceDatabase(settings.shared.mongo_url, settings.mongo_database, app_name=service)
    http = httpx.AsyncClient()
    return CounterServices(
        settings=settings,
        database=database,
        http=http,
        campaigns=CampaignDirectory(http, settings.signup_url),
        reader=TotalsReader(TotalsQueries(database)),
    )
