"""Campaigns: organisers create and manage them; anyone reads the public part."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, status

from mobilise_runtime.error_responses import CAMPAIGN_ORGANISER, ORGANISER_ONLY, described
from mobilise_runtime.errors import Rejected
from signup.access import CampaignDep
from signup.deps import OrganiserDep, Repo
from signup.domain.campaigns import Campaign, Localised
from signup.domain.errors import AlreadyExists
from signup.repository import Repository
from signup.schemas.campaigns import (
    CampaignIn,
    CampaignOut,
    CampaignPatch,
    ConsentOut,
    ConsentTextIn,
    ConsentTextOut,
    LimitsIn,
    OrganiserCampaignOut,
)

router = APIRouter(prefix="/api/v1", tags=["campaigns"])
NOT_FOUND = described({404: "No such campaign"})

# An anonymised campaign stays closed (domain/reopening.py).
ANONYMISED = described(
    {409: "The campaign was anonymised: its dates cannot change, it cannot open"}
)


async def _check_consent_versions(repository: Repository, versions: list[str]) -> None:
    missing = await repository.consent_texts.missing(versions)
    if missing:
        raise Rejected(
            f"no consent text {', '.join(missing)}: publish it first (POST /api/v1/consent-texts)",
            field="consent_text_versions",
        )


async def public_view(repository: Repository, campaign: Campaign) -> dict[str, Any]:
    consent = await repository.consent_texts.get(campaign.consent_text_version)
    return {
        "id": campaign.id,
        "slug": campaign.slug,
        "kind": campaign.kind,
        "title": dict(campaign.title.texts),
        "description": dict(campaign.description.texts),
        "fallback_locale": campaign.fallback_locale,
        "goal": campaign.goal,
        "countries": list(campaign.countries),
        "double_opt_in": campaign.double_opt_in,
        "opens_at": campaign.opens_at,
        "closes_at": campaign.closes_at,
        "status": campaign.status(datetime.now(UTC)),
        "consent": ConsentOut(version=consent["_id"], text=consent["text"]),
    }


async def organiser_view(repository: Repository, campaign: Campaign) -> OrganiserCampaignOut:
    return OrganiserCampaignOut(
        **await public_view(repository, campaign),
        consent_text_versions=list(campaign.consent_text_versions),
        created_at=campaign.created_at,
        updated_at=campaign.updated_at,
        created_by=campaign.created_by,
        limits=LimitsIn(**campaign.limits.to_dict()),
    )


@router.post(
    "/consent-texts",
    status_code=status.HTTP_201_CREATED,
    responses={**ORGANISER_ONLY, 409: {"description": "That version exists (texts never change)"}},
    summary="Publish a consent wording (organiser)",
)
async def create_consent_text(
    body: ConsentTextIn, organiser: OrganiserDep, repository: Repo
) -> ConsentTextOut:
    now = datetime.now(UTC)
    text = {str(language): words for language, words in body.text.items()}
    await repository.consent_texts.create(body.version, text, by=organiser.id, now=now)
    return ConsentTextOut(version=body.version, text=text, created_at=now)


@router.get("/consent-texts", summary="Every published consent wording")
async def list_consent_texts(repository: Repo) -> list[ConsentTextOut]:
    return [
        ConsentTextOut(version=d["_id"], text=d["text"], created_at=d["created_at"])
        for d in await repository.consent_texts.all()
    ]


@router.post(
    "/campaigns",
    status_code=status.HTTP_201_CREATED,
    responses={**ORGANISER_ONLY, 409: {"description": "The slug is taken"}},
    summary="Create a campaign (organiser): it becomes one of theirs",
)
async def create_campaign(
    body: CampaignIn, organiser: OrganiserDep, repository: Repo
) -> OrganiserCampaignOut:
    await _check_consent_versions(repository, body.consent_text_versions)
    now = datetime.now(UTC)
    campaign = Campaign(
        id=uuid.uuid4().hex,
        slug=body.slug,
        kind=body.kind,
        title=Localised(body.title, body.fallback_locale),
        description=Localised(body.description, body.fallback_locale),
        goal=body.goal,
        countries=tuple(dict.fromkeys(body.countries)),
        double_opt_in=body.double_opt_in,
        opens_at=body.opens_at,
        closes_at=body.closes_at,
        closed=False,
        consent_text_versions=tuple(dict.fromkeys(body.consent_text_versions)),
        created_at=now,
        updated_at=now,
        created_by=organiser.id,
        limits=body.limits.limits(),
    )
    # Theirs before it exists: never a moment when it is there and its creator may not act on it.
    await repository.organisers.grant(organiser.id, campaign.id)
    try:
        await repository.campaigns.create(campaign)
    except AlreadyExists:
        await repository.organisers.withdraw(organiser.id, campaign.id)
        raise
    return await organiser_view(repository, campaign)


@router.get(
    "/campaigns",
    responses=ORGANISER_ONLY,
    summary="The organiser's campaigns (an admin's: every one), newest first",
)
async def list_campaigns(organiser: OrganiserDep, repository: Repo) -> list[OrganiserCampaignOut]:
    return [
        await organiser_view(repository, c)
        for c in await repository.campaigns.all()
        if organiser.may_act_on(c.id)
    ]


@router.get("/campaigns/{slug}", responses=NOT_FOUND, summary="A campaign's public description")
async def read_campaign(slug: str, repository: Repo) -> CampaignOut:
    campaign = await repository.campaigns.by_slug(slug)
    return CampaignOut(**await public_view(repository, campaign))


@router.patch(
    "/campaigns/{slug}",
    responses={**CAMPAIGN_ORGANISER, **ANONYMISED},
    summary="Change a campaign (its organisers)",
)
async def update_campaign(
    slug: str, body: CampaignPatch, access: CampaignDep, repository: Repo
) -> OrganiserCampaignOut:
    changes = body.model_dump(exclude_unset=True)
    for listed in ("countries", "consent_text_versions"):
        if listed in changes:
            changes[listed] = list(dict.fromkeys(changes[listed]))
    if body.limits is not None:
        changes["limits"] = body.limits.limits().to_dict()
    if "consent_text_versions" in changes:
        await _check_consent_versions(repository, changes["consent_text_versions"])
    current = access.campaign
    opens_at = changes.get("opens_at", current.opens_at)
    closes_at = changes.get("closes_at", current.closes_at)
    if opens_at and closes_at and closes_at <= opens_at:
        raise Rejected("closes_at must be after opens_at", field="closes_at")
    fallback = changes.get("fallback_locale", current.fallback_locale)
    if fallback not in changes.get("title", current.title.texts):
        raise Rejected(
            f"the title has no text in the fallback language {fallback!r}", field="title"
        )
    return await _changed(repository, slug, changes)


@router.post(
    "/campaigns/{slug}/close",
    responses=CAMPAIGN_ORGANISER,
    summary="Stop taking signups now (its organisers)",
)
async def close_campaign(slug: str, _: CampaignDep, repository: Repo) -> OrganiserCampaignOut:
    return await _changed(repository, slug, {"closed": True})


@router.post(
    "/campaigns/{slug}/open",
    responses={**CAMPAIGN_ORGANISER, **ANONYMISED},
    summary="Take signups again, within the campaign's dates (its organisers)",
)
async def open_campaign(slug: str, _: CampaignDep, repository: Repo) -> OrganiserCampaignOut:
    return await _changed(repository, slug, {"closed": False})


async def _changed(
    repository: Repository, slug: str, changes: dict[str, Any]
) -> OrganiserCampaignOut:
    """The campaign once `changes` are made (what PATCH, close and open answer)."""
    campaign = await repository.campaigns.update(slug, changes, now=datetime.now(UTC))
    return await organiser_view(repository, campaign)
