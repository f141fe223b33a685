"""Double opt-in: the page behind the link of the confirmation email.

Mail security scanners open every link they see, so the GET only shows a button; the POST it sends
confirms. Confirming twice is harmless: the counter dedupes on the supporter key."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from mobilise_events import SignupConfirmed
from mobilise_runtime.errors import Unavailable
from mobilise_runtime.link_tokens import TokenExpired, TokenInvalid
from mobilise_runtime.pages import PageLocale
from signup.deps import Publisher, TokensDep
from signup.presentation.rendering import refused_link, render, unavailable

router = APIRouter(include_in_schema=False)


@router.get("/confirm/{token}", response_class=HTMLResponse)
async def confirm_page(
    token: str, request: Request, tokens: TokensDep, locale: PageLocale
) -> HTMLResponse:
    try:
        tokens.read_confirm(token)
    except (TokenInvalid, TokenExpired) as exc:
        return refused_link(request, locale, exc)
    return render(request, "confirm.html", locale=locale, confirmed=False)


@router.post("/confirm/{token}", response_class=HTMLResponse)
async def confirm(
    token: str, request: Request, tokens: TokensDep, publisher: Publisher, locale: PageLocale
) -> HTMLResponse:
    try:
        claim = tokens.read_confirm(token)
        event = SignupConfirmed(
            signup_id=claim.signup_id,
            campaign_id=claim.campaign_id,
            supporter_key=claim.supporter_key,
        )
        await publisher.publish(event, campaign_id=claim.campaign_id)
    except (TokenInvalid, TokenExpired) as exc:
        return refused_link(request, locale, exc)
    except Unavailable as exc:
        return unavailable(request, locale, exc)
    return render(request, "confirm.html", locale=locale, confirmed=True)
