"""FastAPI dependencies: what a route may ask for, as Annotated aliases (all async: a plain `def`
dependency would cost a thread hop per request)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from counter.adapters.campaigns import Campaign, CampaignDirectory
from counter.application.reader import TotalsReader
from counter.bootstrap import CounterServices
from mobilise_runtime.dependencies import composed

ServicesDep = Annotated[CounterServices, Depends(composed(CounterServices))]


async def _campaigns(services: ServicesDep) -> CampaignDirectory:
    return services.campaigns


async def _reader(services: ServicesDep) -> TotalsReader:
    return services.reader


CampaignsDep = Annotated[CampaignDirectory, Depends(_campaigns)]
ReaderDep = Annotated[TotalsReader, Depends(_reader)]


SlugPath = Annotated[str, Path(description="The campaign's slug", examples=["femmes-du-numerique"])]


async def _campaign(campaigns: CampaignsDep, slug: SlugPath) -> Campaign:
    return await campaigns.get(slug)


# The path's campaign; UnknownCampaign (404) or Unavailable (503) otherwise.
CampaignDep = Annotated[Campaign, Depends(_campaign)]
