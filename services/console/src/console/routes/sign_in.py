"""Signing in and out: an email → a one-time link (the signup service mints it, the mailer
sends it), the link's page (a button: mail scanners open links, only the POST signs in), the
admin token as a fallback for the first start, and signing out."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from console.adapters.apis import ApiRefused, ServiceDown
from console.deps import (
    PRE_SESSION_COOKIE,
    ApisDep,
    CodecDep,
    FormSessionDep,
    PreSessionCsrf,
    SettingsDep,
    current_session,
)
from console.domain.session import COOKIE, Session, SessionCodec
from console.presentation.i18n import negotiate
from console.presentation.rendering import redirect, render
from console.settings import Settings

router = APIRouter(include_in_schema=False)


@router.get("/")
async def home(request: Request) -> Response:
    return redirect("/campaigns" if current_session(request) else "/sign-in")


@router.get("/sign-in")
async def sign_in_page(request: Request) -> Response:
    return render(request, "sign_in.html", sent=False, error=None)


@router.post("/sign-in", dependencies=[PreSessionCsrf])
async def ask_for_link(request: Request, apis: ApisDep, email: Annotated[str, Form()]) -> Response:
    body = {"email": email.strip(), "locale": negotiate(request)}
    # The signup service limits links per address and per client network: it is told the
    # browser's address (it believes it from the console's address, SIGNUP_TRUSTED_PROXIES).
    client = forwarded_for(request)
    try:
        await apis.call("signup", "POST", "/api/v1/sign-in-links", json=body, headers=client)
    except ServiceDown as exc:
        # The signup service answering 5xx here is the mailer not taking the email.
        return render(
            request,
            "sign_in.html",
            status_code=503,
            headers={"Retry-After": str(exc.retry_after_s)},
            banner="mailer" if exc.answered else exc.service,
            sent=False,
            error=None,
            not_sent=True,
            email=email,
        )
    except ApiRefused as exc:
        if exc.status == 429:
            minutes = max(1, -(-(exc.retry_after_s or 60) // 60))
            return render(
                request,
                "sign_in.html",
                status_code=429,
                headers={"Retry-After": str(exc.retry_after_s or 60)},
                sent=False,
                error=None,
                limited_minutes=minutes,
                email=email,
            )
        return render(
            request,
            "sign_in.html",
            status_code=422,
            sent=False,
            error=exc.fields.get("email", exc.message),
            email=email,
        )
    return render(request, "sign_in.html", sent=True, error=None, email=email)


def forwarded_for(request: Request) -> dict[str, str]:
    """X-Forwarded-For for a call made on the browser's behalf: the one the console received,
    its own peer appended, as a proxy does. The signup service reads it from the right, past the
    proxies it trusts (the console, the proxy in front), so an address a browser wrote itself is
    never taken for its own. (uvicorn's proxy headers are off: the peer is the connection's.)"""
    forwarded = ",".join(request.headers.getlist("x-forwarded-for"))
    chain = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if request.client is not None:
        chain.append(request.client.host)
    return {"X-Forwarded-For": ", ".join(chain)} if chain else {}


@router.post("/sign-in/token", dependencies=[PreSessionCsrf])
async def sign_in_with_token(
    request: Request,
    apis: ApisDep,
    codec: CodecDep,
    settings: SettingsDep,
    token: Annotated[str, Form()],
) -> Response:
    try:
        me = await apis.json("signup", "GET", "/api/v1/organisers/me", token=token.strip())
    except ApiRefused:
        return render(
            request, "sign_in.html", status_code=401, sent=False, error=None, token_error=True
        )
    expires_at = datetime.now(UTC) + timedelta(hours=settings.session_hours)
    return _signed_in(codec, settings, token.strip(), me, expires_at)


@router.get("/sign-in/{token}")
async def link_page(request: Request, token: str) -> Response:
    return render(request, "sign_in_link.html", token=token, error=None)


@router.post("/sign-in/{token}", dependencies=[PreSessionCsrf])
async def redeem_link(
    request: Request, token: str, apis: ApisDep, codec: CodecDep, settings: SettingsDep
) -> Response:
    try:
        session = await apis.json(
            "signup", "POST", "/api/v1/sign-in-links/redeem", json={"token": token}
        )
    except ApiRefused as exc:
        return render(
            request, "sign_in_link.html", status_code=exc.status, token=token, error=exc.message
        )
    expires_at = min(
        datetime.fromisoformat(session["expires_at"]).astimezone(UTC),
        datetime.now(UTC) + timedelta(hours=settings.session_hours),
    )
    return _signed_in(codec, settings, session["token"], session["organiser"], expires_at)


@router.post("/sign-out")
async def sign_out(session: FormSessionDep, apis: ApisDep) -> Response:
    # The session's own token stops working (the admin token is configuration: it stays).
    with contextlib.suppress(ApiRefused, ServiceDown):
        await apis.call("signup", "DELETE", "/api/v1/organisers/me/token", token=session.token)
    response = redirect("/sign-in")
    response.delete_cookie(COOKIE, path="/")
    return response


def _signed_in(
    codec: SessionCodec, settings: Settings, token: str, me: dict[str, str], expires_at: datetime
) -> Response:
    session: Session = codec.new(
        token=token, name=me["name"], role=me["role"], expires_at=expires_at
    )
    response = redirect("/campaigns")
    max_age = max(1, int((expires_at - datetime.now(UTC)).total_seconds()))
    response.set_cookie(
        COOKIE,
        codec.encode(session),
        max_age=max_age,
        path="/",
        secure=settings.secure_cookies,
        httponly=True,
        samesite="lax",
    )
    response.delete_cookie(PRE_SESSION_COOKIE)
    return response
