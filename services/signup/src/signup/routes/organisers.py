"""Organisers: who a bearer token belongs to (the mailer and the other services ask here)."""

from __future__ import annotations

from fastapi import APIRouter

from signup.deps import OrganiserDep
from signup.routes.campaigns import ORGANISER_ONLY
from signup.schemas import OrganiserOut

router = APIRouter(prefix="/api/v1", tags=["organisers"])


@router.get(
    "/organisers/me",
    responses=ORGANISER_ONLY,
    summary="The organiser the bearer token belongs to (the admin token: id 'admin')",
)
async def read_me(organiser: OrganiserDep) -> OrganiserOut:
    return OrganiserOut(id=organiser.id, name=organiser.name, email=organiser.email)
