"""The campaign's form for a partner's iframe (`/embed/{slug}?partner=KEY`), for sites that allow
no third-party scripts: the hosted form, compact, recording the partner, and framed only by the
partner's registered origins (CSP frame-ancestors)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from mobilise_runtime.errors import NotFound
from signup.deps import IntakeDep, Repo
from signup.domain.campaigns import Campaign
from signup.domain.partners import Embed
from signup.presentation import wording as words
from signup.presentation.i18n import Locale, negotiate
from signup.presentation.rendering import render, render_message
from signup.repository import Repository
from signup.routes.pages import render_campaign, sign_with_form

router = APIRouter(include_in_schema=False)


@router.get("/embed/{slug}", response_class=HTMLResponse)
async def embed_page(slug: str, request: Request, repository: Repo) -> Response:
    found = await _campaign_and_embed(request, repository, slug)
    if isinstance(found, Response):
        return found
    campaign, embed, locale = found
    return await render_campaign(request, repository, campaign, locale, embed=embed)


@router.post("/embed/{slug}", response_class=HTMLResponse)
async def sign_from_embed(
    slug: str, request: Request, repository: Repo, intake: IntakeDep
) -> Response:
    found = await _campaign_and_embed(request, repository, slug)
    if isinstance(found, Response):
        return found
    campaign, embed, locale = found
    return await sign_with_form(request, repository, intake, campaign, locale, embed=embed)


@router.get("/embed/{slug}/thanks", response_class=HTMLResponse)
async def embed_thanks(slug: str, request: Request, repository: Repo) -> Response:
    found = await _campaign_and_embed(request, repository, slug)
    if isinstance(found, Response):
        return found
    campaign, embed, locale = found
    pending = request.query_params.get("status") == "pending_confirmation"
    return render(
        request,
        "thanks.html",
        locale=locale,
        headers=embed.headers(),
        campaign_title=campaign.title.shown(locale),
        slug=campaign.slug,
        thanks=words.THANKS["pending_confirmation" if pending else "accepted"],
        embed=embed,
    )


async def _campaign_and_embed(
    request: Request, repository: Repository, slug: str
) -> tuple[Campaign, Embed, Locale] | Response:
    """The campaign and its partner's embed, or the page that refuses (never framed)."""
    locale = negotiate(request)
    key = request.query_params.get("partner", "")
    try:
        campaign = await repository.campaigns.by_slug_cached(slug)
    except NotFound:
        return _refused(request, locale, words.NOT_FOUND_TITLE, words.NOT_FOUND, 404)
    partner = await repository.partners.get_cached(key) if key else None
    if partner is None or campaign.id not in partner.campaign_ids:
        return _refused(
            request, locale, words.WIDGET_REFUSED_TITLE, words.WIDGET["widget_refused"], 403
        )
    return campaign, Embed(partner=partner.key, origins=partner.origins), locale


def _refused(request: Request, locale: Locale, title: str, text: str, status: int) -> Response:
    return render_message(request, locale=locale, title=title, text=text, status_code=status)
