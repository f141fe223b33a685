"""Invalidations (an organiser of the campaign, or an admin): take signups out of the campaign's
counts by email domain, client network, partner or time window — first a dry run that says how
many match — and put them back (revert). Each is recorded: who, when, why, how many."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, status

from mobilise_runtime.error_responses import CAMPAIGN_ORGANISER, described
from signup.access import CampaignDep
from signup.application import invalidation_service
from signup.application.invalidation_service import Invalidations
from signup.deps import Publisher, Repo
from signup.schemas.invalidations import (
    DryRunOut,
    FilterIn,
    InvalidationIn,
    InvalidationOut,
    RevertIn,
)

router = APIRouter(prefix="/api/v1/campaigns/{slug}/invalidations", tags=["invalidations"])

RESPONSES = {**CAMPAIGN_ORGANISER, **described({404: "No such campaign (or invalidation)"})}
INVALID = described(
    {
        422: "A filter that cannot be answered (none given, a network finer than "
        "/24 or /48, from after until, unknown fields), or one that matches nothing"
    }
)


async def _invalidations(
    access: CampaignDep, repository: Repo, publisher: Publisher
) -> Invalidations:
    return Invalidations(repository, publisher, access.campaign, access.organiser)


# The access rule is CampaignDep's: an organiser of the campaign the path names.
InvalidationsDep = Annotated[Invalidations, Depends(_invalidations)]


@router.post(
    "/dry-run",
    responses={**RESPONSES, **INVALID},
    summary="How many counted signups a filter matches, changing nothing (organiser)",
)
async def dry_run(slug: str, body: FilterIn, access: CampaignDep, repository: Repo) -> DryRunOut:
    keys = await invalidation_service.matching_keys(repository, access.campaign, body.to_filter())
    return DryRunOut(filter=body, matched=len(keys))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={**RESPONSES, **INVALID, 503: {"description": "Kafka does not answer: try again"}},
    summary="Invalidate the signups a filter matches, with a reason (organiser)",
    description="Publishes `signups.invalidated.v1` naming the matched signups; the counter "
    "takes exactly what it counted for them out of the totals, per country, region, partner and "
    "in the history (at the invalidation's minute).",
)
async def invalidate(
    slug: str, body: InvalidationIn, invalidations: InvalidationsDep
) -> InvalidationOut:
    return await invalidations.invalidate(body, now=datetime.now(UTC))


@router.get("", responses=RESPONSES, summary="The campaign's invalidations, newest first")
async def list_invalidations(
    slug: str, access: CampaignDep, repository: Repo
) -> list[InvalidationOut]:
    records = await repository.invalidations.of_campaign(access.campaign.id)
    return [invalidation_service.view(r) for r in records]


@router.get("/{invalidation_id}", responses=RESPONSES, summary="One invalidation")
async def get_invalidation(
    slug: str, invalidation_id: uuid.UUID, access: CampaignDep, repository: Repo
) -> InvalidationOut:
    record = await repository.invalidations.get(access.campaign.id, invalidation_id)
    return invalidation_service.view(record)


@router.post(
    "/{invalidation_id}/revert",
    responses={**RESPONSES, 422: {"description": "Reverted already, or no reason given"}},
    summary="Put an invalidation's signups back into the counts, with a reason (organiser)",
)
async def revert(
    slug: str, invalidation_id: uuid.UUID, body: RevertIn, invalidations: InvalidationsDep
) -> InvalidationOut:
    return await invalidations.revert(invalidation_id, reason=body.reason, now=datetime.now(UTC))
