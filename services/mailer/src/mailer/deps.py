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
from mobilise_runtime.dependencies import app_state

_bearer = HTTPBearer(auto_error=False, description="An organiser's token (or the admin token)")


SettingsDep = Annotated[Settings, Depends(app_state("settings", Settings))]
Signup = Annotated[SignupClient, Depends(app_state("signup", SignupClient))]
Publisher = Annotated[MailerPublisher, Depends(app_state("mailer_publisher", MailerPublisher))]
MailingRequestsDep = Annotated[
    MailingRequests, Depends(app_state("mailing_requests", MailingRequests))
]
WebhookEventsDep = Annotated[WebhookEvents, Depends(app_state("webhook_events", WebhookEvents))]
Mailings = Annotated[MailingsRepository, Depends(app_state("mailings", MailingsRepository))]


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
