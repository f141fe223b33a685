"""FastAPI dependencies of the mailer API: what a route may ask for, as Annotated aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from mailer.bootstrap import MailerServices
from mailer.domain.errors import NotAuthenticated
from mailer.domain.webhook import WebhookVerifier
from mailer.mailing_requests import MailingRequests
from mailer.publisher import MailerPublisher
from mailer.repository.mailings import MailingsRepository
from mailer.settings import Settings
from mailer.signup_client import Organiser, SignupClient
from mailer.webhook_events import WebhookEvents
from mobilise_runtime.dependencies import composed

_bearer = HTTPBearer(auto_error=False, description="An organiser's token (or the admin token)")


ServicesDep = Annotated[MailerServices, Depends(composed(MailerServices))]


async def _settings(services: ServicesDep) -> Settings:
    return services.settings


async def _signup(services: ServicesDep) -> SignupClient:
    return services.signup


async def _publisher(services: ServicesDep) -> MailerPublisher:
    return services.publisher


async def _mailing_requests(services: ServicesDep) -> MailingRequests:
    return services.mailing_requests


async def _webhook_events(services: ServicesDep) -> WebhookEvents:
    return services.webhook_events


async def _mailings(services: ServicesDep) -> MailingsRepository:
    return services.mailings


async def _verifier(services: ServicesDep) -> WebhookVerifier | None:
    return services.verifier


SettingsDep = Annotated[Settings, Depends(_settings)]
Signup = Annotated[SignupClient, Depends(_signup)]
Publisher = Annotated[MailerPublisher, Depends(_publisher)]
MailingRequestsDep = Annotated[MailingRequests, Depends(_mailing_requests)]
WebhookEventsDep = Annotated[WebhookEvents, Depends(_webhook_events)]
Mailings = Annotated[MailingsRepository, Depends(_mailings)]
Verifier = Annotated[WebhookVerifier | None, Depends(_verifier)]


async def _organiser(
    signup: Signup,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Organiser:
    """The organiser as the signup service knows them (it holds the tokens, hashed)."""
    if credentials is None:
        raise NotAuthenticated("this needs an organiser's token: Authorization: Bearer <token>")
    return await signup.organiser(credentials.credentials)


OrganiserDep = Annotated[Organiser, Depends(_organiser)]
