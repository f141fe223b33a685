"""FastAPI dependencies: what a route may ask for, as Annotated aliases (all async: a plain `def`
dependency would cost a thread hop per request)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from counter.bootstrap import CounterServices
from counter.campaigns import Campaign, CampaignDirectory
from counter.reader import TotalsReader
from mobilise_runtime.dependencies import part_of

CampaignsDep = Annotated[
    CampaignDirectory, Depends(part_of(CounterServices, lambda s: s.campaigns))
]
ReaderDep = Annotated[TotalsReader, Depends(part_of(CounterServices, lambda s: s.reader))]


async def _campaign(
    campaigns: CampaignsDep,
    slug: Annotated[str, Path(description="The campaign's slug", examples=["femmes-du-numerique"])],
) -> Campaign:
    return await campaigns.get(slug)


# The path's campaign; UnknownCampaign (404) or Unavailable (503) otherwise.
CampaignDep = Annotated[Campaign, Depends(_campaign)]
