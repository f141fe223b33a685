"""FastAPI dependencies: what a route may ask for, as Annotated aliases.

All async: FastAPI runs a plain `def` dependency in a thread, a hop per request for nothing."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from mobilise_runtime.dependencies import composed
from signup.bootstrap import SignupServices
from signup.domain.errors import NotAuthenticated
from signup.domain.tokens import Tokens
from signup.intake import Intake
from signup.publisher import SignupPublisher
from signup.repository import Repository
from signup.repository.organisers import Organiser
from signup.settings import Settings

ADMIN = Organiser(id="admin", name="admin", email="")
_bearer = HTTPBearer(auto_error=False, description="An organiser's token (or the admin token)")


ServicesDep = Annotated[SignupServices, Depends(composed(SignupServices))]


async def _settings(services: ServicesDep) -> Settings:
    return services.settings


async def _repository(services: ServicesDep) -> Repository:
    return services.stores.repository


async def _publisher(services: ServicesDep) -> SignupPublisher:
    return services.stores.publisher


async def _tokens(services: ServicesDep) -> Tokens:
    return services.tokens


async def _intake(services: ServicesDep) -> Intake:
    return services.intake


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
