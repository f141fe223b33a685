"""Each API in process (create_app with an ASGI transport, no lifespan, so nothing connects):
what is refused before any store is asked comes back as the one JSON error of its domain error."""

from __future__ import annotations

import httpx
from cryptography.fernet import Fernet
from fastapi import FastAPI
from pydantic import SecretStr

from counter.entrypoints.api import create_app as counter_app
from counter.settings import Settings as CounterSettings
from mailer.entrypoints.api import create_app as mailer_app
from mailer.settings import Settings as MailerSettings
from signup.entrypoints.api import create_app as signup_app
from signup.settings import Settings as SignupSettings


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_signup_refuses_an_organiser_route_without_a_token() -> None:
    settings = SignupSettings(
        token_keys=SecretStr(Fernet.generate_key().decode()),
        supporter_key_secret=SecretStr("in-process"),
    )
    async with client(signup_app(settings)) as c:
        response = await c.get("/api/v1/organisers/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "organiser's token" in response.json()["detail"]


async def test_counter_answers_a_slug_that_cannot_be_a_campaign_with_404() -> None:
    async with client(counter_app(CounterSettings())) as c:
        response = await c.get("/api/v1/campaigns/NOT_A_SLUG/totals")
    assert response.status_code == 404
    assert response.json() == {"detail": "no campaign 'NOT_A_SLUG'"}


async def test_mailer_refuses_a_mailing_without_a_token() -> None:
    async with client(mailer_app(MailerSettings())) as c:
        response = await c.post("/api/v1/mailings", json={})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_a_page_speaks_the_language_asked_for_then_the_browsers() -> None:
    settings = SignupSettings(
        token_keys=SecretStr(Fernet.generate_key().decode()),
        supporter_key_secret=SecretStr("in-process"),
    )
    async with client(signup_app(settings)) as c:
        switched = await c.get("/privacy?lang=ar", headers={"Accept-Language": "ro"})
        browsers = await c.get("/privacy", headers={"Accept-Language": "ro-RO, en;q=0.5"})
        neither = await c.get("/privacy")
    assert switched.status_code == browsers.status_code == neither.status_code == 200
    assert '<html lang="ar" dir="rtl">' in switched.text
    assert '<html lang="ro" dir="ltr">' in browsers.text
    assert '<html lang="fr" dir="ltr">' in neither.text
