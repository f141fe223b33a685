"""Unsubscribing: the page behind the link of every email, and RFC 8058 one-click.

Mail clients that offer "unsubscribe" POST `List-Unsubscribe=One-Click` to the link themselves and
ignore the answer; people get a page with a button, since link scanners must not unsubscribe
anyone. The links never expire: an old email must still let its reader leave."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from mobilise_events import SupporterUnsubscribed
from mobilise_runtime.errors import Unavailable
from mobilise_runtime.link_tokens import TokenInvalid, UnsubscribeClaim
from mobilise_runtime.pages import PageLocale
from signup.deps import Publisher, TokensDep
from signup.presentation.i18n import Locale
from signup.presentation.rendering import refused_link, render, unavailable

router = APIRouter(include_in_schema=False)
ONE_CLICK = [("List-Unsubscribe", "One-Click")]


@router.get("/unsubscribe/{token}", response_class=HTMLResponse)
async def unsubscribe_page(
    token: str, request: Request, tokens: TokensDep, locale: PageLocale
) -> HTMLResponse:
    try:
        claim = tokens.read_unsubscribe(token)
    except TokenInvalid as exc:
        return refused_link(request, locale, exc)
    return _page(request, locale, claim, unsubscribed=False)


@router.post("/unsubscribe/{token}", response_class=HTMLResponse)
async def unsubscribe(
    token: str, request: Request, tokens: TokensDep, publisher: Publisher, locale: PageLocale
) -> HTMLResponse:
    # RFC 8058 allows either form encoding; both parse the same.
    form = await request.form(max_files=0, max_fields=4)
    one_click = list(form.multi_items()) == ONE_CLICK
    try:
        claim = tokens.read_unsubscribe(token)
        event = SupporterUnsubscribed(
            email=claim.email,
            campaign_id=claim.campaign_id,
            source="one_click" if one_click else "link",
        )
        await publisher.publish(event, campaign_id=claim.campaign_id)
    except TokenInvalid as exc:
        return refused_link(request, locale, exc)
    except Unavailable as exc:
        return unavailable(request, locale, exc)
    return _page(request, locale, claim, unsubscribed=True)


def _page(
    request: Request, locale: Locale, claim: UnsubscribeClaim, *, unsubscribed: bool
) -> HTMLResponse:
    """The page of the link's claim: asking to confirm, or saying it is done."""
    return render(
        request,
        "unsubscribe.html",
        locale=locale,
        unsubscribed=unsubscribed,
        every_campaign=claim.campaign_id is None,
    )
