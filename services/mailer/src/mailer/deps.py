"""FastAPI dependencies of the mailer API: what a route may ask for, as Annotated aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from mailer.adapters.publisher import MailerPublisher
from mailer.adapters.sendgrid import SendGridClient
from mailer.adapters.signup_client import Organiser, SignupClient
from mailer.bootstrap import MailerServices
from mailer.domain.webhook import WebhookVerifier
from mailer.repository.audience import AudienceRepository
from mailer.repository.mailing_requests import MailingRequests
from mailer.repository.mailings import MailingsRepository
from mailer.repository.webhook_events import WebhookEvents
from mailer.settings import Settings
from mobilise_runtime.access import access_rule
from mobilise_runtime.dependencies import composed, part_of
from mobilise_runtime.errors import NotAuthenticated
from mobilise_runtime.mongo import ServiceDatabase

_bearer = HTTPBearer(auto_error=False, description="An organiser's token (or the admin token)")


ServicesDep = Annotated[MailerServices, Depends(composed(MailerServices))]
SettingsDep = Annotated[Settings, Depends(part_of(MailerServices, lambda s: s.settings))]
SignupClientDep = Annotated[SignupClient, Depends(part_of(MailerServices, lambda s: s.signup))]
Publisher = Annotated[MailerPublisher, Depends(part_of(MailerServices, lambda s: s.publisher))]
MailingRequestsDep = Annotated[
    MailingRequests, Depends(part_of(MailerServices, lambda s: s.mailing_requests))
]
WebhookEventsDep = Annotated[
    WebhookEvents, Depends(part_of(MailerServices, lambda s: s.webhook_events))
]
Mailings = Annotated[MailingsRepository, Depends(part_of(MailerServices, lambda s: s.mailings))]
AudienceDep = Annotated[AudienceRepository, Depends(part_of(MailerServices, lambda s: s.audience))]
Database = Annotated[ServiceDatabase, Depends(part_of(MailerServices, lambda s: s.database))]
SendGridDep = Annotated[
    SendGridClient | None, Depends(part_of(MailerServices, lambda s: s.sendgrid))
]


@access_rule("organiser")
async def _organiser(
    signup: SignupClientDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Organiser:
    """The organiser as the signup service knows them now (it holds the tokens, hashed)."""
    if credentials is None:
        raise NotAuthenticated("this needs an organiser's token: Authorization: Bearer <token>")
    return await signup.organiser(credentials.credentials)


OrganiserDep = Annotated[Organiser, Depends(_organiser)]


# The webhook's rule: SendGrid's signature over the body, checked by the route with this.
@access_rule("sendgrid-signature")
async def _verifier(services: ServicesDep) -> WebhookVerifier | None:
    return services.verifier


Verifier = Annotated[WebhookVerifier | None, Depends(_verifier)]
