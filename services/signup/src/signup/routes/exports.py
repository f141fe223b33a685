"""The organiser's CSV export of a campaign's supporters, streamed row by row."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from mobilise_runtime.error_responses import CAMPAIGN_ORGANISER
from mobilise_runtime.mongo import Document
from signup.access import CampaignDep
from signup.deps import Repo
from signup.domain.text import spreadsheet_safe

router = APIRouter(prefix="/api/v1/campaigns/{slug}", tags=["exports"])

# What supporters gave and agreed to; never internal keys or tokens.
COLUMNS = [
    "signed_at", "email", "first_name", "last_name", "country", "region", "locale",
    "newsletter_opt_in", "confirmed", "consent_text_version", "consented_at", "partner",
    "skills", "availability", "wants_training",
]  # fmt: skip


def _row(doc: Document) -> list[str]:
    consent: Document = max(doc.get("consents", []), key=lambda c: c["at"], default={})
    volunteer = doc.get("volunteer") or {}
    values: dict[str, Any] = {
        **doc,
        "confirmed": doc.get("confirmed", False),
        "consent_text_version": consent.get("consent_text_version"),
        "consented_at": consent.get("at"),
        "skills": " ".join(volunteer.get("skills", [])),
        "availability": volunteer.get("availability"),
        "wants_training": volunteer.get("wants_training"),
    }
    cells = []
    for column in COLUMNS:
        value = values.get(column)
        text = value.isoformat() if isinstance(value, datetime) else str(value)
        cells.append(spreadsheet_safe("" if value is None else text))
    return cells


async def _csv(rows: AsyncIterator[Document]) -> AsyncIterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    count = 0
    async for doc in rows:
        writer.writerow(_row(doc))
        count += 1
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


@router.get(
    "/supporters.csv",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/csv": {}}, "description": "One row a supporter, oldest first"},
        **CAMPAIGN_ORGANISER,
    },
    summary="Export a campaign's supporters as CSV (its organisers)",
)
async def export_supporters(slug: str, access: CampaignDep, repository: Repo) -> StreamingResponse:
    campaign = access.campaign
    return StreamingResponse(
        _csv(repository.supporters.of_campaign(campaign.id)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{campaign.slug}-supporters.csv"'},
    )
