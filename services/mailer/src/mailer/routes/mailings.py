"""Mailings: an organiser asks for a newsletter to a campaign's audience; the mailer consumer
sends it (mailing.requested.v1)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, status

from mailer.deps import MailingRequestsDep, OrganiserDep, Publisher, Signup
from mailer.schemas import MailingAccepted, MailingIn
from mobilise_events import Audience, LocalisedText, MailingRequested

router = APIRouter(prefix="/api/v1", tags=["mailings"])
RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No or unknown organiser token"},
    404: {"description": "No such campaign"},
    503: {"description": "The signup service, the database or Kafka did not answer: retry"},
}


@router.post(
    "/mailings",
    status_code=status.HTTP_202_ACCEPTED,
    responses=RESPONSES,
    summary="Send a newsletter to a campaign's audience (organiser)",
)
async def request_mailing(
    body: MailingIn,
    organiser: OrganiserDep,
    signup: Signup,
    requests: MailingRequestsDep,
    publisher: Publisher,
) -> MailingAccepted:
    """Accepted (202) once the request is durably in Kafka; the mailing's id gives its progress
    (GET /api/v1/mailings/{mailing_id})."""
    campaign = await signup.campaign(body.campaign)
    now = datetime.now(UTC)
    event = MailingRequested(
        mailing_id=uuid.uuid4(),
        campaign_id=campaign.id,
        subject=LocalisedText(fr=body.subject.fr, en=body.subject.en),
        body_template=LocalisedText(fr=body.body_template.fr, en=body.body_template.en),
        audience=Audience(
            countries=tuple(dict.fromkeys(body.audience.countries))
            if body.audience.countries
            else None,
            confirmed_only=body.audience.confirmed_only,
            locale=body.audience.locale,
        ),
        requested_at=now,
    )
    # Recorded first, so that the id the 202 gives out is known to GET at once. A publish that
    # fails leaves this small document behind, under an id nobody was given.
    await requests.record(
        mailing_id=event.mailing_id, campaign_id=campaign.id, requested_by=organiser.id, at=now
    )
    await publisher.publish(event, campaign_id=campaign.id)
    return MailingAccepted(mailing_id=event.mailing_id)
