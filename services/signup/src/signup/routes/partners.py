"""Partners (organiser): who may embed which campaigns' widget, on which origins."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, status

from signup import partner_service
from signup.deps import OrganiserDep, Repo, SettingsDep
from signup.partner_schemas import PartnerIn, PartnerOut, PartnerPatch

router = APIRouter(prefix="/api/v1/partners", tags=["partners"])
ORGANISER_ONLY: dict[int | str, dict[str, Any]] = {
    401: {"description": "No or unknown organiser token"}
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such partner"}}
INVALID: dict[int | str, dict[str, Any]] = {
    422: {"description": "An origin that is not https://host[:port], or an unknown campaign"}
}


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
        repository=repository, body=body, by=organiser.id, now=datetime.now(UTC)
    )
    return await partner_service.view(repository, partner, public_url=settings.public_url)


@router.get("", responses=ORGANISER_ONLY, summary="Every partner (organiser)")
async def list_partners(
    _: OrganiserDep, repository: Repo, settings: SettingsDep
) -> list[PartnerOut]:
    return [
        await partner_service.view(repository, p, public_url=settings.public_url)
        for p in await repository.partners.all()
    ]


@router.get("/{key}", responses={**ORGANISER_ONLY, **NOT_FOUND}, summary="A partner (organiser)")
async def read_partner(
    key: str, _: OrganiserDep, repository: Repo, settings: SettingsDep
) -> PartnerOut:
    partner = await repository.partners.get(key)
    return await partner_service.view(repository, partner, public_url=settings.public_url)


@router.patch(
    "/{key}",
    responses={**ORGANISER_ONLY, **NOT_FOUND, **INVALID},
    summary="Change a partner's name, campaigns or origins (organiser)",
)
async def update_partner(
    key: str, body: PartnerPatch, _: OrganiserDep, repository: Repo, settings: SettingsDep
) -> PartnerOut:
    partner = await partner_service.update(
        repository=repository,
        key=key,
        changes=body.model_dump(exclude_unset=True),
        now=datetime.now(UTC),
    )
    return await partner_service.view(repository, partner, public_url=settings.public_url)
