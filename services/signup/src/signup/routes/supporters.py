"""GDPR requests by email: export what this service holds on a person, or erase them. Admin
only: a person's records span every campaign, whoever organises them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urljoin

import httpx
from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse

from mobilise_runtime.error_responses import described
from mobilise_runtime.errors import UNAUTHENTICATED
from mobilise_runtime.locales import Locale
from signup.access import AdminDep
from signup.adapters.mailer_export import mailer_holds
from signup.application import erasure
from signup.deps import HttpDep, Publisher, Repo, SettingsDep
from signup.presentation.access_report import language, render_report
from signup.repository import Repository
from signup.schemas.supporters import (
    ErasureAccepted,
    SupporterEmailIn,
    SupporterExportOut,
    SupporterRecordOut,
)
from signup.settings import Settings

router = APIRouter(prefix="/api/v1/supporters", tags=["supporters"])

RESPONSES = described(
    {
        401: UNAUTHENTICATED,
        403: "Not an admin: requests by email span every campaign",
        422: "Invalid body (an address that is not one, unknown fields)",
    }
)


@router.post(
    "/export",
    responses=RESPONSES,
    summary="Everything the signup service holds on an email address (admin)",
    description="Every campaign's record of the person with its consent history; an address "
    "nobody signed with gives an empty list. With SIGNUP_MAILER_URL set, `mailer` holds what the "
    "mailer service holds about the address (503 if it does not answer).",
)
async def export_supporter(
    body: SupporterEmailIn, _: AdminDep, gather: GatherDep
) -> SupporterExportOut:
    return await gather(body.email)


@router.post(
    "/export/report",
    response_class=HTMLResponse,
    responses={
        **RESPONSES,
        200: {"content": {"text/html": {}}, "description": "One self-contained HTML file"},
        503: {"description": "The mailer did not answer: the report would be incomplete"},
    },
    summary="The same, as a document to send to the person (admin)",
    description="The access request as one self-contained HTML file (an attachment), in the "
    "person's language (`lang`, else their latest signature's): each part names the service "
    "that holds it, every time is in UTC.",
)
async def export_report(
    body: SupporterEmailIn, _: AdminDep, gather: GatherDep, lang: Locale | None = None
) -> HTMLResponse:
    exported = await gather(body.email)
    repository, settings = gather.repository, gather.settings
    ids = sorted({r.campaign_id for r in exported.records} | _mailer_campaigns(exported))
    html = render_report(
        exported,
        campaigns=await repository.campaigns.by_ids(ids),
        locale=language(exported, lang),
        charter_url=urljoin(settings.public_url, settings.charter_url),
    )
    day = exported.generated_at.strftime("%Y-%m-%d")
    return HTMLResponse(
        html,
        headers={
            "Content-Disposition": f'attachment; filename="personal-data-{day}.html"',
            "Cache-Control": "no-store",
        },
    )


@dataclass(frozen=True)
class Gather:
    """What both exports start from: everything held on an address, this service's records and,
    with SIGNUP_MAILER_URL set, the mailer's (asked with the admin's own token)."""

    repository: Repository
    settings: Settings
    http: httpx.AsyncClient
    authorization: str

    async def __call__(self, email: str) -> SupporterExportOut:
        records = await erasure.records_of(self.repository.supporters, email)
        mailer = None
        if self.settings.mailer_url:
            mailer = await mailer_holds(
                self.http, self.settings.mailer_url, self.authorization, email
            )
        return SupporterExportOut(
            generated_at=datetime.now(UTC),
            email=email,
            records=[SupporterRecordOut.model_validate(r) for r in records],
            mailer=mailer,
        )


async def _gather(
    repository: Repo, settings: SettingsDep, http: HttpDep, request: Request, _: AdminDep
) -> Gather:
    # The admin's header: AdminDep has checked it already.
    return Gather(repository, settings, http, request.headers["authorization"])


GatherDep = Annotated[Gather, Depends(_gather)]


def _mailer_campaigns(exported: SupporterExportOut) -> set[str]:
    held = exported.mailer or {}
    parts = [*held.get("recipients", []), *held.get("mails", []), *held.get("suppressions", [])]
    return {p["campaign_id"] for p in parts if p.get("campaign_id")}


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
