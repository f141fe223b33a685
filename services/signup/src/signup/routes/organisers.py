"""Organisers: who a bearer token belongs to (the mailer and the other services ask here), and
their management by an admin: roles, campaigns, revocation."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Response, status

from mobilise_runtime.error_responses import ORGANISER_ONLY, Responses, described
from signup.access import AdminDep
from signup.application import organiser_service
from signup.deps import OrganiserDep, Repo
from signup.schemas.common import OrganiserOut
from signup.schemas.organisers import (
    OrganiserCreated,
    OrganiserIn,
    OrganiserPatch,
    OrganiserRecordOut,
)

router = APIRouter(prefix="/api/v1", tags=["organisers"])
ADMIN_ONLY: Responses = {**ORGANISER_ONLY, **described({403: "Not an admin"})}
NOT_FOUND = described({404: "No such organiser"})
INVALID = described({422: "Invalid body, or an unknown campaign"})


@router.get(
    "/organisers/me",
    responses=ORGANISER_ONLY,
    summary="The organiser the bearer token belongs to, their role and campaigns",
    description="The admin token is id `admin`, role `admin` (every campaign: the lists are "
    "empty). The other services check tokens here, on every request, so that a revoked token "
    "stops working everywhere at once.",
)
async def read_me(organiser: OrganiserDep, repository: Repo) -> OrganiserOut:
    return await organiser_service.me(repository, organiser)


@router.post(
    "/organisers",
    status_code=status.HTTP_201_CREATED,
    responses={**ADMIN_ONLY, **INVALID, 409: {"description": "That email has an organiser"}},
    summary="Create an organiser with a role and campaigns (admin); the token is shown once",
)
async def create_organiser(body: OrganiserIn, _: AdminDep, repository: Repo) -> OrganiserCreated:
    return await organiser_service.create(repository=repository, body=body, now=datetime.now(UTC))


@router.get(
    "/organisers", responses=ADMIN_ONLY, summary="Every organiser, revoked ones too (admin)"
)
async def list_organisers(_: AdminDep, repository: Repo) -> list[OrganiserRecordOut]:
    return [await organiser_service.view(repository, o) for o in await repository.organisers.all()]


@router.patch(
    "/organisers/{organiser_id}",
    responses={**ADMIN_ONLY, **NOT_FOUND, **INVALID},
    summary="Change an organiser's role or campaigns (admin); effective at once everywhere",
)
async def update_organiser(
    organiser_id: str, body: OrganiserPatch, _: AdminDep, repository: Repo
) -> OrganiserRecordOut:
    return await organiser_service.change(
        repository=repository,
        organiser_id=organiser_id,
        changes=body.model_dump(exclude_unset=True),
        now=datetime.now(UTC),
    )


@router.delete(
    "/organisers/{organiser_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**ADMIN_ONLY, **NOT_FOUND},
    summary="Revoke an organiser (admin): every token of theirs stops working at once",
    description="The record stays (with `revoked_at`), so that what they did stays attributed; "
    "`mobilise organiser token` gives them a new token. The admin token is configuration "
    "(`MOBILISE_ADMIN_TOKEN`): change the variable to revoke it.",
)
async def revoke_organiser(organiser_id: str, _: AdminDep, repository: Repo) -> Response:
    await repository.organisers.revoke(organiser_id, now=datetime.now(UTC))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
