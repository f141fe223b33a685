"""What an organiser sees before and after sending a newsletter (the console asks): the email
rendered in each language and the size of its audience, without sending anything; and a
campaign's past mailings with their progress."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from mailer.access import CampaignsDep
from mailer.adapters.signup_client import Campaign
from mailer.deps import AudienceDep, Mailings, SettingsDep
from mailer.domain.planning import in_audience
from mailer.presentation import messages
from mailer.presentation.i18n import LOCALES, Locale
from mailer.routes.mailings import localised_texts
from mailer.schemas.api import MailingIn, MailingProgress
from mailer.settings import Settings
from mobilise_events import Audience, LocalisedText
from mobilise_runtime.error_responses import CAMPAIGN_ORGANISER
from mobilise_runtime.errors import Rejected

router = APIRouter(prefix="/api/v1", tags=["mailings"])
SAMPLE_NAME = "Awa"  # the first name the previews greet
RESPONSES = CAMPAIGN_ORGANISER


class RenderedEmail(BaseModel):
    subject: str
    text: str
    html: str


class MailingPreview(BaseModel):
    # Who would receive it now, per language (opted in, in the audience, not suppressed).
    audience: dict[str, int]
    suppressed: int
    emails: dict[str, RenderedEmail]


class PastMailing(MailingProgress):
    subject: dict[str, str]
    requested_at: datetime | None


def _rendered(
    settings: Settings,
    campaign: Campaign,
    texts: tuple[LocalisedText, LocalisedText],
    locale: Locale,
) -> RenderedEmail:
    recipient = messages.Recipient(
        email="preview@example.org",
        first_name=SAMPLE_NAME,
        locale=locale,
        supporter_key="preview",
        unsubscribe_token="preview",  # noqa: S106 - no real link: the preview is never sent
    )
    (request,) = messages.newsletter(
        sender=messages.Sender.from_settings(settings),
        mailing_id="preview",
        campaign_title=campaign.localised_title,
        subject=texts[0],
        body_template=texts[1],
        recipients=[recipient],
    )
    (personalization,) = request["personalizations"]
    values = {part["type"]: part["value"] for part in request["content"]}
    for key, value in personalization["substitutions"].items():
        values = {kind: text.replace(key, value) for kind, text in values.items()}
    return RenderedEmail(
        subject=personalization["subject"], text=values["text/plain"], html=values["text/html"]
    )


@router.post(
    "/mailings/preview",
    responses={**RESPONSES, 422: {"description": "A text that is not a template we render"}},
    summary="A newsletter as it would be sent, and its audience now; nothing is sent",
)
async def preview_mailing(
    body: MailingIn,
    campaigns: CampaignsDep,
    settings: SettingsDep,
    audience_repository: AudienceDep,
) -> MailingPreview:
    campaign = await campaigns.get(body.campaign)
    texts = localised_texts(body, campaign)
    try:
        emails = {locale: _rendered(settings, campaign, texts, locale) for locale in LOCALES}
    except messages.BodyTemplateError as exc:
        raise Rejected(str(exc), field="body_template") from exc
    audience = Audience(
        countries=tuple(body.audience.countries) if body.audience.countries else None,
        confirmed_only=body.audience.confirmed_only,
        locale=body.audience.locale,
    )
    blocked = await audience_repository.suppressed_hashes(campaign.id)
    sizes = dict.fromkeys(LOCALES, 0)
    suppressed = 0
    async for r in audience_repository.of_campaign(
        campaign.id, confirmed_only=audience.confirmed_only, locale=audience.locale
    ):
        if not in_audience(r, audience):
            continue
        if r["email_hash"] in blocked:
            suppressed += 1
        elif r.get("locale") in sizes:
            sizes[r["locale"]] += 1
    return MailingPreview(audience=sizes, suppressed=suppressed, emails=emails)


@router.get(
    "/campaigns/{slug}/mailings",
    responses=RESPONSES,
    summary="A campaign's mailings, newest first, with their progress (its organisers)",
)
async def list_mailings(
    slug: str,
    campaigns: CampaignsDep,
    mailings: Mailings,
    limit: int = Query(default=20, ge=1, le=100),
) -> list[PastMailing]:
    campaign = await campaigns.get(slug)
    found = []
    for mailing in await mailings.of_campaign(campaign.id, limit=limit):
        progress = await mailings.progress(mailing["_id"])
        if progress is None:
            continue
        found.append(
            PastMailing(
                **MailingProgress.model_validate(progress, from_attributes=True).model_dump(),
                # Stored as the event's LocalisedText: the languages given, as they were given.
                subject=_given(mailing.get("subject")),
                requested_at=mailing.get("requested_at"),
            )
        )
    return found


def _given(subject: dict[str, Any] | None) -> dict[str, str]:
    if not subject:
        return {}
    return {
        str(locale): text for locale, text in LocalisedText.model_validate(subject).texts.items()
    }
