"""The campaign's form for a partner's iframe (`/embed/{slug}?partner=KEY`), for sites that allow
no third-party scripts: the hosted form, compact, recording the partner, and framed only by the
partner's registered origins (CSP frame-ancestors)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from mobilise_runtime.errors import NotFound
from mobilise_runtime.pages import PageLocale
from signup.deps import IntakeDep, Repo
from signup.domain.campaigns import Campaign
from signup.domain.partners import Embed
from signup.presentation import wording as words
from signup.presentation.i18n import Locale
from signup.presentation.rendering import PageRefused, render, render_message
from signup.routes.pages import render_campaign, sign_with_form

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Embedded:
    """The campaign the path names, in the iframe of the partner the query names."""

    campaign: Campaign
    embed: Embed
    locale: Locale


async def _embedded(slug: str, request: Request, repository: Repo, locale: PageLocale) -> Embedded:
    """The campaign and its partner's embed; else PageRefused with the page that says no (never
    framed)."""
    key = request.query_params.get("partner", "")
    try:
        campaign = await repository.campaigns.by_slug_cached(slug)
    except NotFound:
        raise _refused(request, locale, words.NOT_FOUND_TITLE, words.NOT_FOUND, 404) from None
    partner = await repository.partners.get_cached(key) if key else None
    if partner is None or campaign.id not in partner.campaign_ids:
        raise _refused(
            request, locale, words.WIDGET_REFUSED_TITLE, words.WIDGET["widget_refused"], 403
        )
    return Embedded(campaign, Embed(partner=partner.key, origins=partner.origins), locale)


EmbeddedDep = Annotated[Embedded, Depends(_embedded)]


@router.get("/embed/{slug}", response_class=HTMLResponse)
async def embed_page(request: Request, repository: Repo, embedded: EmbeddedDep) -> Response:
    return await render_campaign(
        request, repository, embedded.campaign, embedded.locale, embed=embedded.embed
    )


@router.post("/embed/{slug}", response_class=HTMLResponse)
async def sign_from_embed(
    request: Request, repository: Repo, intake: IntakeDep, embedded: EmbeddedDep
) -> Response:
    return await sign_with_form(
        request, repository, intake, embedded.campaign, embedded.locale, embed=embedded.embed
    )


@router.get("/embed/{slug}/thanks", response_class=HTMLResponse)
async def embed_thanks(request: Request, embedded: EmbeddedDep) -> Response:
    pending = request.query_params.get("status") == "pending_confirmation"
    return render(
        request,
        "thanks.html",
        locale=embedded.locale,
        headers=embedded.embed.headers(),
        campaign_title=embedded.campaign.title.shown(embedded.locale),
        slug=embedded.campaign.slug,
        thanks=words.THANKS["pending_confirmation" if pending else "accepted"],
        embed=embedded.embed,
    )


def _refused(request: Request, locale: Locale, title: str, text: str, status: int) -> PageRefused:
    page = render_message(request, locale=locale, title=title, text=text, status_code=status)
    return PageRefused(page)
