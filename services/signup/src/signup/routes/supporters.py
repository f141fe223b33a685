"""GDPR requests by email: export what this service holds on a person, or erase them. Admin
only: a person's records span every campaign, whoever organises them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status

from signup import erasure
from signup.access import AdminDep
from signup.deps import HttpDep, Publisher, Repo, SettingsDep
from signup.mailer_export import mailer_holds
from signup.supporter_schemas import (
    ErasureAccepted,
    SupporterEmailIn,
    SupporterExportOut,
    SupporterRecordOut,
)

router = APIRouter(prefix="/api/v1/supporters", tags=["supporters"])

RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No or unknown organiser token"},
    403: {"description": "Not an admin: requests by email span every campaign"},
    422: {"description": "Invalid body (an address that is not one, unknown fields)"},
}


@router.post(
    "/export",
    responses=RESPONSES,
    summary="Everything the signup service holds on an email address (admin)",
    description="Every campaign's record of the person with its consent history; an address "
    "nobody signed with gives an empty list. With SIGNUP_MAILER_URL set, `mailer` holds what the "
    "mailer service holds about the address (503 if it does not answer).",
)
async def export_supporter(
    body: SupporterEmailIn,
    _: AdminDep,
    repository: Repo,
    settings: SettingsDep,
    http: HttpDep,
    request: Request,
) -> SupporterExportOut:
    records = await erasure.records_of(repository.supporters, body.email)
    mailer = None
    if settings.mailer_url:
        authorization = request.headers["authorization"]  # the organiser's: checked above
        mailer = await mailer_holds(http, settings.mailer_url, authorization, body.email)
    return SupporterExportOut(
        email=body.email,
        records=[SupporterRecordOut.model_validate(r) for r in records],
        mailer=mailer,
    )


@router.post(
    "/erase",
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        **RESPONSES,
        503: {"description": "Kafka did not acknowledge in time: retry after Retry-After"},
    },
    summary="Erase a person from every campaign (admin)",
    description="202 means one `supporter.erased.v1` per campaign the person signed is durably "
    "published; each service deletes its data and keeps a tombstone shortly after. Repeating "
    "it is harmless.",
)
async def erase_supporter(
    body: SupporterEmailIn, _: AdminDep, repository: Repo, publisher: Publisher
) -> ErasureAccepted:
    campaigns = await erasure.erase(repository.supporters, publisher, body.email)
    return ErasureAccepted(campaigns=campaigns)
