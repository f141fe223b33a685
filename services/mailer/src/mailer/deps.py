"""FastAPI dependencies of the mailer API: what a route may ask for, as Annotated aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from mailer.domain.errors import NotAuthenticated
from mailer.domain.webhook import WebhookVerifier
from mailer.mailing_requests import MailingRequests
from mailer.publisher import MailerPublisher
from mailer.repository.mailings import MailingsRepository
from mailer.settings import Settings
from mailer.signup_client import Organiser, SignupClient
from mailer.webhook_events import WebhookEvents

_bearer = HTTPBearer(auto_error=False, description="An organiser's token (or the admin token)")


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _signup(request: Request) -> SignupClient:
    signup: SignupClient = request.app.state.signup
    return signup


async def _publisher(request: Request) -> MailerPublisher:
    publisher: MailerPublisher = request.app.state.mailer_publisher
    return publisher


async def _mailing_requests(request: Request) -> MailingRequests:
    requests: MailingRequests = request.app.state.mailing_requests
    return requests


async def _mailings(request: Request) -> MailingsRepository:
    mailings: MailingsRepository = request.app.state.mailings
    return mailings


async def _webhook_events(request: Request) -> WebhookEvents:
    events: WebhookEvents = request.app.state.webhook_events
    return events


SettingsDep = Annotated[Settings, Depends(_settings)]
Signup = Annotated[SignupClient, Depends(_signup)]
Publisher = Annotated[MailerPublisher, Depends(_publisher)]
MailingRequestsDep = Annotated[MailingRequests, Depends(_mailing_requests)]
WebhookEventsDep = Annotated[WebhookEvents, Depends(_webhook_events)]
Mailings = Annotated[MailingsRepository, Depends(_mailings)]


async def _organiser(
    signup: Signup,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Organiser:
    """The organiser as the signup service knows them (it holds the tokens, hashed)."""
    if credentials is None:
        raise NotAuthenticated("this needs an organiser's token: Authorization: Bearer <token>")
    return await signup.organiser(credentials.credentials)


OrganiserDep = Annotated[Organiser, Depends(_organiser)]


async def _verifier(request: Request) -> WebhookVerifier | None:
    verifier: WebhookVerifier | None = request.app.state.webhook_verifier
    return verifier


Verifier = Annotated[WebhookVerifier | None, Depends(_verifier)]
