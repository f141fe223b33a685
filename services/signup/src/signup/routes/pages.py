"""The hosted campaign page, its form (which works without JavaScript), the thank-you page, the
progress the page's script polls, and the data-protection charter."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, get_args
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from mobilise_runtime.dependencies import services_of
from signup.bootstrap import SignupServices
from signup.deps import IntakeDep, Repo, request_client
from signup.domain.campaigns import Campaign
from signup.domain.errors import NotFound, SignupError
from signup.domain.partners import Embed
from signup.forms import FIELDS, FormInvalid, Submitted, refusal_messages, signup_from_form
from signup.i18n import STRINGS, Locale, countries, negotiate
from signup.intake import Intake
from signup.progress import Progress, campaign_progress
from signup.rendering import render, render_message
from signup.repository import Repository
from signup.signup_schemas import Availability, Skill

router = APIRouter(include_in_schema=False)
SKILLS: tuple[str, ...] = get_args(Skill)
AVAILABILITIES: tuple[str, ...] = get_args(Availability)
# The form's fields are many, but bounded: anything beyond is not this form.
MAX_FORM_FIELDS = 40


@router.get("/c/{slug}", response_class=HTMLResponse)
async def campaign_page(slug: str, request: Request, repository: Repo) -> HTMLResponse:
    locale = negotiate(request)
    try:
        campaign = await repository.campaigns.by_slug(slug)
    except NotFound:
        return _not_found(request, locale)
    return await render_campaign(request, repository, campaign, locale)


@router.post("/c/{slug}", response_class=HTMLResponse)
async def sign_from_form(
    slug: str, request: Request, repository: Repo, intake: IntakeDep
) -> Response:
    locale = negotiate(request)
    try:
        campaign = await repository.campaigns.by_slug(slug)
    except NotFound:
        return _not_found(request, locale)
    return await sign_with_form(request, repository, intake, campaign, locale)


async def sign_with_form(
    request: Request,
    repository: Repository,
    intake: Intake,
    campaign: Campaign,
    locale: Locale,
    *,
    embed: Embed | None = None,
) -> Response:
    """The form's signup: the thank-you page, or the form again with every refusal in place."""
    form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
    submitted = Submitted.read(form.multi_items())
    strings = STRINGS[locale]
    try:
        signup = signup_from_form(
            submitted, kind=campaign.kind, locale=locale, partner=embed.partner if embed else None
        )
        accepted = await intake.accept(campaign, signup, client=request_client(request))
    except FormInvalid as exc:
        errors = {field: strings[key] for field, key in exc.errors.items()}
        return await render_campaign(
            request,
            repository,
            campaign,
            locale,
            status_code=422,
            submitted=submitted,
            errors=errors,
            embed=embed,
        )
    except SignupError as exc:
        return await render_campaign(
            request,
            repository,
            campaign,
            locale,
            status_code=exc.status,
            headers=exc.headers(),
            submitted=submitted,
            errors=refusal_messages(exc, strings),
            embed=embed,
        )
    query: dict[str, str] = {"status": accepted.status, "lang": locale}
    base = f"/c/{campaign.slug}/thanks"
    if embed is not None:
        base = f"/embed/{campaign.slug}/thanks"
        query["partner"] = embed.partner
    # 303: the browser fetches the thank-you page with a GET, so a reload posts nothing twice.
    return RedirectResponse(f"{base}?{urlencode(query)}", status_code=303)


@router.get("/c/{slug}/thanks", response_class=HTMLResponse)
async def thanks_page(slug: str, request: Request, repository: Repo) -> HTMLResponse:
    locale = negotiate(request)
    try:
        campaign = await repository.campaigns.by_slug(slug)
    except NotFound:
        return _not_found(request, locale)
    pending = request.query_params.get("status") == "pending_confirmation"
    return render(
        request,
        "thanks.html",
        locale=locale,
        campaign_title=campaign.title.get(locale),
        slug=campaign.slug,
        outcome="pending" if pending else "accepted",
    )


@router.get("/c/{slug}/progress")
async def campaign_progress_json(slug: str, request: Request, repository: Repo) -> Response:
    campaign = await repository.campaigns.by_slug(slug)
    progress = await progress_of(request, campaign.slug)
    if progress is None:
        return Response(status_code=204)
    return JSONResponse(
        {"signed": progress.signed, "goal": progress.goal, "percent": progress.percent}
    )


@router.get("/privacy", response_class=HTMLResponse)
async def privacy_page(request: Request) -> HTMLResponse:
    return render(request, "privacy.html", locale=negotiate(request))


async def render_campaign(
    request: Request,
    repository: Repository,
    campaign: Campaign,
    locale: Locale,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    submitted: Submitted | None = None,
    errors: Mapping[str, str] | None = None,
    embed: Embed | None = None,
) -> HTMLResponse:
    """The campaign's page, or its compact form for a partner's iframe (`embed`)."""
    consent = await repository.consent_texts.get(campaign.consent_text_version)
    progress = await progress_of(request, campaign.slug)
    strings = STRINGS[locale]
    status = campaign.status(datetime.now(UTC))
    only_one_country = campaign.countries[0] if len(campaign.countries) == 1 else ""
    return render(
        request,
        "campaign.html",
        locale=locale,
        status_code=status_code,
        headers={**(headers or {}), **(embed.headers() if embed else {})},
        campaign=campaign,
        title=campaign.title.get(locale),
        description=campaign.description.get(locale),
        status=status,
        opens_on=campaign.opens_at.date().isoformat() if campaign.opens_at else "",
        consent_text=consent["text"][locale],
        consent_text_version=campaign.consent_text_version,
        progress=progress,
        countries=[
            (code, name)
            for code, name in countries(locale)
            if not campaign.countries or code in campaign.countries
        ],
        skills=SKILLS,
        availabilities=AVAILABILITIES,
        values=dict(submitted.text) if submitted else {"country": only_one_country},
        chosen_skills=submitted.skills if submitted else (),
        ticked=submitted.ticked if submitted else frozenset(),
        errors=errors or {},
        script_strings=_script_strings(strings, campaign),
        embed=embed,
    )


def _script_strings(strings: Mapping[str, str], campaign: Campaign) -> dict[str, Any]:
    """What campaign.js says, in the page's language (it has no strings of its own)."""
    return {
        "errors": {field: strings[f"error_{field}"] for field in FIELDS},
        "general": strings["error_general"],
        "offline": strings["error_offline"],
        "unavailable": strings["unavailable_text"],
        "summary": strings["error_summary"],
        "sending": strings["sending"],
        "checking": strings["proof_working"],
        "progress": strings[f"progress_{campaign.kind}"],
        "thanks": {
            "pending_confirmation": {
                "title": strings["thanks_pending_title"],
                "text": strings["thanks_pending"],
            },
            "accepted": {
                "title": strings["thanks_accepted_title"],
                "text": strings["thanks_accepted"],
            },
        },
    }


def _not_found(request: Request, locale: Locale) -> HTMLResponse:
    return render_message(
        request, locale=locale, title="not_found_title", text="not_found_text", status_code=404
    )


async def progress_of(request: Request, slug: str) -> Progress | None:
    services = services_of(request, SignupServices)
    return await campaign_progress(services.http, services.settings.counter_url, slug)
