"""Partners (organiser): who may embed which campaigns' widget, on which origins. An organiser
sees the partners of their campaigns, each narrowed to those campaigns (access.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, status

from mobilise_runtime.error_responses import described
from mobilise_runtime.errors import UNAUTHENTICATED
from signup.access import PartnerDep, narrowed
from signup.application import partner_service
from signup.deps import OrganiserDep, Repo, SettingsDep
from signup.schemas.partners import PartnerIn, PartnerOut, PartnerPatch

router = APIRouter(prefix="/api/v1/partners", tags=["partners"])
ORGANISER_ONLY = described(
    {401: UNAUTHENTICATED, 403: "A campaign (or partner) that is not this organiser's"}
)
NOT_FOUND = described({404: "No such partner"})
INVALID = described({422: "An origin that is not https://host[:port], or an unknown campaign"})


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={**ORGANISER_ONLY, **INVALID, 409: {"description": "The key is taken"}},
    summary="Register a partner for campaigns, with its allowed origins (organiser)",
    description=(
        "The answer carries the partner's public key (not a secret: it is on every page that "
        "embeds the widget) and, per campaign, the snippets to paste: the script widget "
        "(`/widget.js`) and an iframe (`/embed/{slug}`)."
    ),
)
async def create_partner(
    body: PartnerIn, organiser: OrganiserDep, repository: Repo, settings: SettingsDep
) -> PartnerOut:
    partner = await partner_service.create(
        repository=repository, body=body, by=organiser, now=datetime.now(UTC)
    )
    return await partner_service.view(repository, partner, public_url=settings.public_url)


@router.get(
    "",
    responses=ORGANISER_ONLY,
    summary="The partners of the organiser's campaigns (an admin's: every one)",
)
async def list_partners(
    organiser: OrganiserDep, repository: Repo, settings: SettingsDep
) -> list[PartnerOut]:
    return [
        await partner_service.view(
            repository, narrowed(p, organiser), public_url=settings.public_url
        )
        for p in await repository.partners.all()
        if organiser.may_act_on_any(p.campaign_ids)
    ]


@router.get("/{key}", responses={**ORGANISER_ONLY, **NOT_FOUND}, summary="A partner (organiser)")
async def read_partner(
    key: str, access: PartnerDep, repository: Repo, settings: SettingsDep
) -> PartnerOut:
    return await partner_service.view(repository, access.partner, public_url=settings.public_url)


@router.patch(
    "/{key}",
    responses={**ORGANISER_ONLY, **NOT_FOUND, **INVALID},
    summary="Change a partner's name, campaigns or origins (organiser)",
    description=(
        "An organiser's `campaigns` replace the partner's campaigns of theirs (those of other "
        "organisers stay); its name and origins change only if every campaign it works for is "
        "theirs."
    ),
)
async def update_partner(
    key: str, body: PartnerPatch, access: PartnerDep, repository: Repo, settings: SettingsDep
) -> PartnerOut:
    partner = await partner_service.update(
        repository=repository,
        key=key,
        changes=body.model_dump(exclude_unset=True),
        now=datetime.now(UTC),
        by=access.organiser,
    )
    return await partner_service.view(
        repository, narrowed(partner, access.organiser), public_url=settings.public_url
    )
