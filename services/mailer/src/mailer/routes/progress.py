"""GET /api/v1/mailings/{mailing_id}: how far a mailing got (public to whoever holds its id)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel

from mailer.repository.mailings import MailingsRepository

router = APIRouter(prefix="/api/v1/mailings", tags=["mailings"])


class MailingProgress(BaseModel):
    mailing_id: str
    campaign_id: str
    # requested: accepted, not planned yet; queued: planned, nothing sent; sending; done: every
    # batch sent, failed or suppressed.
    status: Literal["requested", "queued", "sending", "done"]
    queued: int
    sent: int
    failed: int
    suppressed: int


def _mailings(request: Request) -> MailingsRepository:
    return MailingsRepository(request.app.state.database.db)


Mailings = Annotated[MailingsRepository, Depends(_mailings)]


@router.get(
    "/{mailing_id}",
    responses={404: {"description": "No mailing was requested with this id"}},
    summary="A mailing's progress: queued, sent, failed and suppressed recipients",
)
async def read_progress(mailing_id: uuid.UUID, mailings: Mailings) -> MailingProgress:
    progress = await mailings.progress(str(mailing_id))
    if progress is None:
        raise HTTPException(404, detail=f"no mailing {mailing_id}")
    return MailingProgress.model_validate(progress, from_attributes=True)
