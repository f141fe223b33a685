"""Mailings: an organiser asks for a newsletter to a campaign's audience; the mailer consumer
sends it (mailing.requested.v1)."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Header, status

from mailer.access import CampaignsDep, MailingDep
from mailer.adapters.signup_client import Campaign
from mailer.deps import MailingRequestsDep, Publisher
from mailer.repository.mailing_requests import MailingRequest
from mailer.schemas.api import MailingAccepted, MailingIn, MailingProgress
from mobilise_events import Audience, LocalisedText, MailingRequested
from mobilise_runtime.error_responses import CAMPAIGN_ORGANISER, described
from mobilise_runtime.errors import Rejected

router = APIRouter(prefix="/api/v1", tags=["mailings"])
# The ids of mailings asked with an Idempotency-Key: one per (organiser, key).
IDEMPOTENT_MAILINGS = uuid.UUID("5b0e7c1d-8f3a-4e2b-9c6d-0a1b2c3d4e5f")
RESPONSES = {
    **CAMPAIGN_ORGANISER,
    **described(
        {
            409: "The Idempotency-Key was used for another mailing",
            503: "The signup service, the database or Kafka did not answer: retry",
        }
    ),
}
IdempotencyKey = Annotated[
    str | None,
    Header(
        min_length=1,
        max_length=128,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="Any string of yours: a request sent again with the same key (after a 503, "
        "say) is the same mailing, never a second one",
    ),
]


@router.post(
    "/mailings",
    status_code=status.HTTP_202_ACCEPTED,
    responses=RESPONSES,
    summary="Send a newsletter to a campaign's audience (its organisers)",
)
async def request_mailing(
    body: MailingIn,
    campaigns: CampaignsDep,
    requests: MailingRequestsDep,
    publisher: Publisher,
    idempotency_key: IdempotencyKey = None,
) -> MailingAccepted:
    """Accepted (202) once the request is durably in Kafka; the mailing's id gives its progress
    (GET /api/v1/mailings/{mailing_id})."""
    campaign = await campaigns.get(body.campaign)
    organiser = campaigns.organiser
    countries = tuple(dict.fromkeys(body.audience.countries or ())) or None
    outside = set(countries or ()) - set(campaign.countries)
    if campaign.countries and outside:
        raise Rejected(
            f"campaign {campaign.slug} does not cover {', '.join(sorted(outside))}",
            field="audience.countries",
        )
    subject, text = localised_texts(body, campaign)
    audience = Audience(
        countries=countries,
        confirmed_only=body.audience.confirmed_only,
        locale=body.audience.locale,
    )
    asked = [campaign.id, subject.model_dump(), text.model_dump(), audience.model_dump()]
    mailing_id = (
        uuid.uuid5(IDEMPOTENT_MAILINGS, f"{organiser.id}\n{idempotency_key}")
        if idempotency_key
        else uuid.uuid4()
    )
    now = datetime.now(UTC)
    # Recorded first, so that the id the 202 gives out is known to GET at once. A publish that
    # fails leaves this small document behind, under an id given to no one (or to be retried).
    request = await requests.record(
        MailingRequest(
            mailing_id=mailing_id,
            campaign_id=campaign.id,
            requested_by=organiser.id,
            # As the database keeps it (milliseconds): a retry publishes the very same event.
            requested_at=now.replace(microsecond=now.microsecond // 1000 * 1000),
            content_hash=hashlib.sha256(json.dumps(asked, sort_keys=True).encode()).hexdigest(),
        )
    )
    event = MailingRequested(
        mailing_id=mailing_id,
        campaign_id=campaign.id,
        subject=subject,
        body_template=text,
        audience=audience,
        requested_at=request.requested_at,
    )
    await publisher.publish(event, campaign_id=campaign.id)
    return MailingAccepted(mailing_id=mailing_id)


@router.get(
    "/mailings/{mailing_id}",
    responses={
        401: RESPONSES[401],
        404: {"description": "No mailing with this id, or not one of this organiser's"},
        503: RESPONSES[503],
    },
    summary="A mailing's progress: queued, sent, failed and suppressed recipients (its campaign's "
    "organisers)",
)
async def read_progress(mailing_id: uuid.UUID, progress: MailingDep) -> MailingProgress:
    return MailingProgress.model_validate(progress, from_attributes=True)


def localised_texts(body: MailingIn, campaign: Campaign) -> tuple[LocalisedText, LocalisedText]:
    """The subject and body in the languages given, the campaign's fallback language among them."""
    fallback = campaign.fallback_locale
    for field, given in (("subject", body.subject), ("body_template", body.body_template)):
        if fallback not in given:
            raise Rejected(
                f"{field} needs a text in the campaign's fallback language {fallback!r}",
                field=field,
            )
    return LocalisedText.of(body.subject, fallback), LocalisedText.of(body.body_template, fallback)
