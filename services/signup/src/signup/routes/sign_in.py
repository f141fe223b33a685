"""The organisers' console sign-in: ask for a one-time link by email, redeem it for a session
token, end the session (signup/application/sign_in.py has the rules)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Response, status
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, EmailStr, Field

from mobilise_runtime.error_responses import ORGANISER_ONLY, described
from mobilise_runtime.openapi import with_example
from signup.application import sign_in
from signup.deps import (
    ClientDep,
    GuardDep,
    HttpDep,
    OrganiserDep,
    Repo,
    SettingsDep,
    TokensDep,
    bearer_credentials,
)
from signup.domain.limits import sign_in_bucket
from signup.schemas.common import Locale, WriteModel
from signup.schemas.organisers import SessionOut

router = APIRouter(prefix="/api/v1", tags=["organisers"])
ASKED = "if this address is an organiser's, a sign-in link is on its way"


class SignInLinkIn(WriteModel):
    model_config = with_example({"email": "awa@association.example", "locale": "fr"})

    email: EmailStr
    locale: Locale = "en"


class SignInLinkAsked(BaseModel):
    model_config = with_example({"detail": ASKED})

    detail: str


class RedeemIn(WriteModel):
    model_config = with_example({"token": "gAAAAABn…(the link's last segment)"})

    token: str = Field(min_length=1, max_length=1000)


REFUSED = described(
    {
        400: "Not a sign-in link, or an expired one, or its organiser was revoked",
        409: "The link was used already",
    }
)


@router.post(
    "/sign-in-links",
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        404: {"description": "Sign-in by email is not set up (no mailer or admin token)"},
        429: {
            "description": "Too many links asked for this address or from this client network "
            "(SIGNUP_SIGN_IN_LINKS_PER_*): nothing sent; retry after Retry-After"
        },
        503: {"description": "The mailer did not take the email"},
    },
    summary="Email an organiser a one-time console sign-in link (15 minutes)",
    description="The same answer whether or not the address is an organiser's.",
)
async def ask_for_link(
    body: SignInLinkIn,
    settings: SettingsDep,
    repository: Repo,
    tokens: TokensDep,
    http: HttpDep,
    guard: GuardDep,
    client: ClientDep,
) -> SignInLinkAsked:
    email = str(body.email).lower()
    await guard.admit_sign_in_link(
        client=client,
        email=email,
        per_address=sign_in_bucket(settings.sign_in_links_per_address),
        per_network=sign_in_bucket(settings.sign_in_links_per_network),
    )
    await sign_in.send_link(
        settings=settings,
        repository=repository,
        tokens=tokens,
        http=http,
        email=email,
        locale=body.locale,
    )
    return SignInLinkAsked(detail=ASKED)


@router.post(
    "/sign-in-links/redeem",
    status_code=status.HTTP_201_CREATED,
    responses=REFUSED,
    summary="Use a sign-in link once: an organiser token that expires (the console's session)",
)
async def redeem_link(
    body: RedeemIn, settings: SettingsDep, repository: Repo, tokens: TokensDep
) -> SessionOut:
    return await sign_in.redeem(
        settings=settings,
        repository=repository,
        tokens=tokens,
        token=body.token,
        now=datetime.now(UTC),
    )


@router.delete(
    "/organisers/me/token",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=ORGANISER_ONLY,
    summary="Sign out: the token of this request stops working (the admin token cannot)",
)
async def drop_token(
    _: OrganiserDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, bearer_credentials],
    repository: Repo,
) -> Response:
    if credentials is not None:
        await repository.organisers.drop_token(credentials.credentials)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
