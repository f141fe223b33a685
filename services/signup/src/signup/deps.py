"""FastAPI dependencies: what a route may ask for, as Annotated aliases.

All async: FastAPI runs a plain `def` dependency in a thread, a hop per request for nothing."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from signup.domain.errors import NotAuthenticated
from signup.domain.tokens import Tokens
from signup.intake import Intake
from signup.publisher import SignupPublisher
from signup.repository import Repository
from signup.repository.organisers import Organiser
from signup.settings import Settings

ADMIN = Organiser(id="admin", name="admin", email="")
_bearer = HTTPBearer(auto_error=False, description="An organiser's token (or the admin token)")


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _repository(request: Request) -> Repository:
    repository: Repository = request.app.state.repository
    return repository


async def _publisher(request: Request) -> SignupPublisher:
    publisher: SignupPublisher = request.app.state.publisher
    return publisher


async def _intake(request: Request) -> Intake:
    intake: Intake = request.app.state.intake
    return intake


async def _tokens(request: Request) -> Tokens:
    tokens: Tokens = request.app.state.tokens
    return tokens


SettingsDep = Annotated[Settings, Depends(_settings)]
Repo = Annotated[Repository, Depends(_repository)]
Publisher = Annotated[SignupPublisher, Depends(_publisher)]
TokensDep = Annotated[Tokens, Depends(_tokens)]
IntakeDep = Annotated[Intake, Depends(_intake)]


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
    organiser = await repository.organisers.by_token(token)
    if organiser is None:
        raise NotAuthenticated("this token is not an organiser's token")
    return organiser


OrganiserDep = Annotated[Organiser, Depends(_organiser)]
