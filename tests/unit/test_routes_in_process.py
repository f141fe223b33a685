"""An API in process (create_app with an ASGI transport, no lifespan, so nothing connects):
what is refused before any store is asked comes back as the one JSON error of its domain error."""

from __future__ import annotations

import httpx
from cryptography.fernet import Fernet
from fastapi import FastAPI
from pydantic import SecretStr

from signup.main import create_app as signup_app
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
