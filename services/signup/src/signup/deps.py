"""FastAPI dependencies: what a route may ask for, as Annotated aliases, each a part of the
composition root (bootstrap.py).

All async: FastAPI runs a plain `def` dependency in a thread, a hop per request for nothing."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from typing import Annotated

import httpx
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from mobilise_runtime.access import access_rule
from mobilise_runtime.dependencies import part_of, services_of
from mobilise_runtime.errors import NotAuthenticated
from mobilise_runtime.link_tokens import Tokens
from signup.adapters.publisher import SignupPublisher
from signup.application.guard import Guard
from signup.application.intake import Intake
from signup.bootstrap import SignupServices
from signup.domain.clients import client_address
from signup.domain.organisers import ADMIN
from signup.presentation.public_page import PublicPages
from signup.repository import Repository
from signup.repository.organisers import Organiser
from signup.settings import Settings

_bearer = HTTPBearer(auto_error=False, description="An organiser's token (or the admin token)")
bearer_credentials = Depends(_bearer)


SettingsDep = Annotated[Settings, Depends(part_of(SignupServices, lambda s: s.settings))]
Repo = Annotated[Repository, Depends(part_of(SignupServices, lambda s: s.stores.repository))]
Publisher = Annotated[
    SignupPublisher, Depends(part_of(SignupServices, lambda s: s.stores.publisher))
]
TokensDep = Annotated[Tokens, Depends(part_of(SignupServices, lambda s: s.tokens))]
GuardDep = Annotated[Guard, Depends(part_of(SignupServices, lambda s: s.guard))]
IntakeDep = Annotated[Intake, Depends(part_of(SignupServices, lambda s: s.intake))]
HttpDep = Annotated[httpx.AsyncClient, Depends(part_of(SignupServices, lambda s: s.http))]
PublicPagesDep = Annotated[PublicPages, Depends(part_of(SignupServices, lambda s: s.public_pages))]


def request_client(request: Request) -> str:
    settings = services_of(request, SignupServices).settings
    peer = request.client.host if request.client else None
    forwarded = request.headers.get("x-forwarded-for")
    return client_address(peer, forwarded, settings.trusted_networks)


async def _client(request: Request) -> str:
    return request_client(request)


# The address a request comes from, as far as SIGNUP_TRUSTED_PROXIES lets us know it.
ClientDep = Annotated[str, Depends(_client)]


@access_rule("organiser")
async def _organiser(
    settings: SettingsDep,
    repository: Repo,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Organiser:
    if credentials is None:
        raise NotAuthenticated("this needs an organiser's token: Authorization: Bearer <token>")
    token = credentials.credentials
    admin = settings.shared.admin_token
    if admin is not None and hmac.compare_digest(token.encode(), admin.get_secret_value().encode()):
        return ADMIN
    # Read on every request, never cached: a revoked or expired token stops working at once.
    organiser = await repository.organisers.by_token(token, now=datetime.now(UTC))
    if organiser is None:
        raise NotAuthenticated(
            "this token is not an organiser's token (unknown, revoked or expired)"
        )
    return organiser


OrganiserDep = Annotated[Organiser, Depends(_organiser)]
