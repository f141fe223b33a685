"""The hosted campaign page, its form (which works without JavaScript), the thank-you page, the
progress the page's script polls, and the data-protection charter."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from mobilise_runtime.dependencies import services_of
from mobilise_runtime.errors import DomainError, NotFound
from mobilise_runtime.locales import format_day, shown
from mobilise_runtime.pages import PageLocale
from signup.adapters.progress import Progress, campaign_progress
from signup.application.intake import Intake
from signup.bootstrap import SignupServices
from signup.deps import IntakeDep, PublicPagesDep, Repo, request_client
from signup.domain.campaigns import Campaign
from signup.domain.partners import Embed
from signup.presentation import wording as words
from signup.presentation.forms import FormInvalid, Submitted, refusal_messages, signup_from_form
from signup.presentation.i18n import Locale, Wording, countries, regions, wording
from signup.presentation.public_page import NO_STORE, PROGRESS_CACHE_CONTROL
from signup.presentation.rendering import render, render_message
from signup.repository import Repository

router = APIRouter(include_in_schema=False)
# The form's fields are many, but bounded: anything beyond is not this form.
MAX_FORM_FIELDS = 40


@router.get("/c/{slug}", response_class=HTMLResponse)
async def campaign_page(
    slug: str, request: Request, repository: Repo, pages: PublicPagesDep, locale: PageLocale
) -> Response:

    async def render() -> HTMLResponse | None:
        try:
            campaign = await repository.campaigns.by_slug(slug)
        except NotFound:
            return None
        return await render_campaign(request, repository, campaign, locale)

    answer = await pages.answer(request, locale, render)
    return answer if answer is not None else _not_found(request, locale)


@router.post("/c/{slug}", response_class=HTMLResponse)
async def sign_from_form(
    slug: str, request: Request, repository: Repo, intake: IntakeDep, locale: PageLocale
) -> Response:
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
    if submitted.show_regions:
        # Without JavaScript the regions of the chosen country come from here: the same form.
        return await render_campaign(
            request, repository, campaign, locale, submitted=submitted, embed=embed
        )
    language = wording(locale)
    try:
        signup = signup_from_form(
            submitted, kind=campaign.kind, locale=locale, partner=embed.partner if embed else None
        )
        accepted = await intake.accept(campaign, signup, client=request_client(request))
    except FormInvalid as exc:
        errors = {field: language.gettext(message) for field, message in exc.errors.items()}
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
    except DomainError as exc:
        return await render_campaign(
            request,
            repository,
            campaign,
            locale,
            status_code=exc.status,
            headers=exc.headers(),
            submitted=submitted,
            errors=refusal_messages(exc, language),
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
async def thanks_page(
    slug: str, request: Request, repository: Repo, locale: PageLocale
) -> HTMLResponse:
    try:
        campaign = await repository.campaigns.by_slug(slug)
    except NotFound:
        return _not_found(request, locale)
    pending = request.query_params.get("status") == "pending_confirmation"
    return render(
        request,
        "thanks.html",
        locale=locale,
        campaign_title=campaign.title.shown(locale),
        slug=campaign.slug,
        thanks=words.THANKS["pending_confirmation" if pending else "accepted"],
    )


@router.get("/c/{slug}/progress")
async def campaign_progress_json(slug: str, request: Request, repository: Repo) -> Response:
    campaign = await repository.campaigns.by_slug(slug)
    progress = await progress_of(request, campaign.slug)
    if progress is None:
        return Response(status_code=204)
    return JSONResponse(
        {"signed": progress.signed, "goal": progress.goal, "percent": progress.percent},
        # Every open page asks every 10 s: a CDN answers its viewers for a few seconds at a time
        # (browsers ask each time, so one who just signed sees the new number).
        headers={"Cache-Control": PROGRESS_CACHE_CONTROL},
    )


@router.get("/privacy", response_class=HTMLResponse)
async def privacy_page(request: Request, locale: PageLocale) -> HTMLResponse:
    return render(request, "privacy.html", locale=locale)


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
    language = wording(locale)
    status = campaign.status(datetime.now(UTC))
    only_one_country = campaign.countries[0] if len(campaign.countries) == 1 else ""
    values = dict(submitted.text) if submitted else {"country": only_one_country}
    return render(
        request,
        "campaign.html",
        locale=locale,
        status_code=status_code,
        headers={
            # An answer to a POST (values, errors, perhaps a challenge) is for its sender only.
            **(NO_STORE if submitted is not None else {}),
            **(headers or {}),
            **(embed.headers() if embed else {}),
        },
        campaign=campaign,
        title=campaign.title.shown(locale),
        description=campaign.description.shown(locale),
        status=status,
        opens_on=format_day(campaign.opens_at.date(), locale) if campaign.opens_at else "",
        consent_text=shown(consent["text"], locale, campaign.fallback_locale),
        consent_text_version=campaign.consent_text_version,
        progress=progress,
        progress_text=words.progress(campaign.kind, progress.signed, progress.goal, language)
        if progress
        else "",
        form_heading=words.form_heading(campaign.kind, language),
        submit_label=words.submit_label(campaign.kind, language),
        countries=[
            (code, name)
            for code, name in countries(locale)
            if not campaign.countries or code in campaign.countries
        ],
        skills=list(words.SKILLS.items()),
        availabilities=list(words.AVAILABILITIES.items()),
        values=values,
        regions=regions(values["country"], locale) if values.get("country") else (),
        chosen_skills=submitted.skills if submitted else (),
        ticked=submitted.ticked if submitted else frozenset(),
        errors=errors or {},
        script_strings=_script_strings(language, campaign),
        embed=embed,
    )


def _script_strings(language: Wording, campaign: Campaign) -> dict[str, Any]:
    """What campaign.js says, in the page's language (it has no strings of its own)."""
    _ = language.gettext
    widget = words.widget_words(campaign.kind, language)
    return {
        "errors": {field: _(message) for field, message in words.FIELD_ERRORS.items()},
        "general": _(words.GENERAL_ERROR),
        "offline": widget["error_offline"],
        "unavailable": _(words.UNAVAILABLE),
        "summary": widget["error_summary"],
        "sending": widget["sending"],
        "checking": widget["proof_working"],
        "progress": words.progress_forms(campaign.kind, language),
        "thanks": {
            status: {"title": _(title), "text": _(text)}
            for status, (title, text) in words.THANKS.items()
        },
    }


def _not_found(request: Request, locale: Locale) -> HTMLResponse:
    return render_message(
        request,
        locale=locale,
        title=words.NOT_FOUND_TITLE,
        text=words.NOT_FOUND,
        status_code=404,
    )


async def progress_of(request: Request, slug: str) -> Progress | None:
    services = services_of(request, SignupServices)
    return await campaign_progress(services.http, services.settings.counter_url, slug)
