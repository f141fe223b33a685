"""mailer-api's sign-in emails, in process (no lifespan: nothing connects): sent through the one
SendGrid client its composition root built, and a clear 503 when it was started without a key."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from mailer.access import _admin
from mailer.adapters.sendgrid import SendGridClient
from mailer.adapters.signup_client import Organiser
from mailer.bootstrap import MailerServices
from mailer.entrypoints.api import create_app
from mailer.settings import Settings

SIGN_IN = {"email": "awa@example.org", "name": "Awa", "link": "https://c.example.org/s?l=x"}


def as_admin(app: FastAPI) -> httpx.AsyncClient:
    admin = Organiser(id="o-1", name="Admin", email="admin@example.org", role="admin")
    app.dependency_overrides[_admin] = lambda: admin
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_without_a_sendgrid_key_mailer_api_starts_and_sign_in_emails_are_503() -> None:
    app = create_app(Settings(sendgrid_api_key=None))
    async with as_admin(app) as c:
        response = await c.post("/api/v1/sign-in-emails", json={**SIGN_IN, "minutes": 15})
    assert response.status_code == 503
    assert "MAILER_SENDGRID_API_KEY" in response.json()["detail"]
    assert "retry-after" in response.headers


async def test_every_sign_in_email_goes_through_the_one_client_built_at_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    used: list[SendGridClient] = []

    def send(self: SendGridClient, body: dict[str, Any]) -> str:
        used.append(self)
        return "id"

    monkeypatch.setattr(SendGridClient, "send", send)
    app = create_app(Settings(sendgrid_api_key=SecretStr("dev")))
    services = app.state.services
    assert isinstance(services, MailerServices)
    async with as_admin(app) as c:
        for minutes in (15, 30):
            response = await c.post("/api/v1/sign-in-emails", json={**SIGN_IN, "minutes": minutes})
            assert response.status_code == 204
    assert services.sendgrid is not None
    assert used == [services.sendgrid, services.sendgrid]
