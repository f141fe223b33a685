"""The organisers' sign-in emails: the signup service (which owns organisers and mints the
one-time links) asks here, with the admin token, for the link to be mailed."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from mailer.access import AdminDep
from mailer.application.sign_in_email import send_sign_in, sign_in_body
from mailer.deps import SendGridDep, SettingsDep
from mailer.presentation.messages import Sender
from mobilise_runtime.locales import Locale

router = APIRouter(prefix="/api/v1", tags=["organisers"])


class SignInEmailIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=320)
    name: str = Field(min_length=1, max_length=200)
    link: HttpUrl
    minutes: int = Field(ge=1, le=24 * 60)
    locale: Locale = "en"


@router.post(
    "/sign-in-emails",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        401: {"description": "No or unknown organiser token"},
        403: {"description": "Not an admin"},
        503: {"description": "SendGrid did not take the email, or mailer-api has no SendGrid key"},
    },
    summary="Mail an organiser their one-time console sign-in link (admin: the signup service)",
)
async def send_sign_in_email(
    body: SignInEmailIn, _: AdminDep, settings: SettingsDep, sendgrid: SendGridDep
) -> Response:
    message = sign_in_body(
        sender=Sender.from_settings(settings),
        email=body.email,
        name=body.name,
        link=str(body.link),
        minutes=body.minutes,
        locale=body.locale,
    )
    await send_sign_in(sendgrid, message)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
