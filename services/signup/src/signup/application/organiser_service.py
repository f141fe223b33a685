"""Managing organisers, shared by the admin API and the `mobilise` CLI: campaigns are named by
slug outside and kept by id inside."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from signup.application.partner_service import campaign_ids_of
from signup.domain.organisers import Organiser
from signup.repository import Repository
from signup.schemas.common import OrganiserOut
from signup.schemas.organisers import OrganiserCreated, OrganiserIn, OrganiserRecordOut


async def create(*, repository: Repository, body: OrganiserIn, now: datetime) -> OrganiserCreated:
    organiser, token = await repository.organisers.create(
        name=body.name,
        email=body.email,
        role=body.role,
        campaign_ids=tuple(await campaign_ids_of(repository, body.campaigns)),
        now=now,
        expires_at=body.expires_at,
    )
    record = await view(repository, organiser)
    return OrganiserCreated(**record.model_dump(), token=token, expires_at=body.expires_at)


async def change(
    *, repository: Repository, organiser_id: str, changes: dict[str, Any], now: datetime
) -> OrganiserRecordOut:
    campaigns = changes.get("campaigns")
    organiser = await repository.organisers.change(
        organiser_id,
        role=changes.get("role"),
        campaign_ids=None
        if campaigns is None
        else tuple(await campaign_ids_of(repository, campaigns)),
        now=now,
    )
    return await view(repository, organiser)


async def me(repository: Repository, organiser: Organiser) -> OrganiserOut:
    """What the other services need to know of a token's holder."""
    by_id = await repository.campaigns.by_ids(list(organiser.campaign_ids))
    # A campaign deleted since is left out rather than shown broken.
    ids = [i for i in organiser.campaign_ids if i in by_id]
    return OrganiserOut(
        id=organiser.id,
        name=organiser.name,
        email=organiser.email,
        role=organiser.role,
        campaigns=[by_id[i].slug for i in ids],
        campaign_ids=ids,
    )


async def view(repository: Repository, organiser: Organiser) -> OrganiserRecordOut:
    return OrganiserRecordOut(
        **(await me(repository, organiser)).model_dump(),
        created_at=organiser.created_at,
        revoked_at=organiser.revoked_at,
    )
