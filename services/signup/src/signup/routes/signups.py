"""Pledges and volunteer registrations (JSON API; the hosted page's form posts to pages.py)."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, status

from signup.deps import ClientDep, IntakeDep, Repo
from signup.domain.errors import Rejected
from signup.schemas import PartnerKey
from signup.signup_schemas import PledgeIn, SignupAccepted, VolunteerIn

S = TypeVar("S", bound=PledgeIn)
router = APIRouter(prefix="/api/v1/campaigns/{slug}", tags=["signups"])

RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such campaign"},
    409: {"description": "The campaign is not open yet"},
    410: {"description": "The campaign is closed"},
    413: {"description": "The body is too large"},
    422: {"description": "Invalid or refused input; `detail` says what and why"},
    428: {
        "description": "Many signups from this network: solve `challenge` (SHA-256 of "
        "'<token>:<nonce>' with `bits` leading zero bits) and send again with `proof`"
    },
    429: {"description": "Past a rate limit: nothing recorded; retry after Retry-After"},
    503: {"description": "Kafka did not acknowledge in time: retry after Retry-After"},
}
# The widget names its partner in the query too: CORS reads it there (a preflight has no body).
PartnerQuery = Annotated[
    PartnerKey | None,
    Query(description="The partner's key, as the widget sends it (cross-origin calls need it)"),
]
ACCEPTED = (
    "202 means the signup is durably recorded (acknowledged by every in-sync Kafka replica). "
    "The answer is the same whether or not this address signed before; a repeat counts once."
)


@router.post(
    "/pledges",
    status_code=status.HTTP_202_ACCEPTED,
    responses=RESPONSES,
    summary="Sign a pledge campaign",
    description=ACCEPTED,
)
async def sign_pledge(
    slug: str,
    body: PledgeIn,
    repository: Repo,
    intake: IntakeDep,
    client: ClientDep,
    partner: PartnerQuery = None,
) -> SignupAccepted:
    signup = with_partner(body, partner)
    campaign = await repository.campaigns.by_slug_cached(slug)
    return await intake.accept(campaign, signup, client=client)


@router.post(
    "/volunteers",
    status_code=status.HTTP_202_ACCEPTED,
    responses=RESPONSES,
    summary="Register as a volunteer",
    description=ACCEPTED,
)
async def register_volunteer(
    slug: str,
    body: VolunteerIn,
    repository: Repo,
    intake: IntakeDep,
    client: ClientDep,
    partner: PartnerQuery = None,
) -> SignupAccepted:
    signup = with_partner(body, partner)
    campaign = await repository.campaigns.by_slug_cached(slug)
    return await intake.accept(campaign, signup, client=client)


def with_partner(body: S, partner: str | None) -> S:
    """The signup, recorded for the partner the query names (the one CORS let through)."""
    if partner is None or body.partner == partner:
        return body
    if body.partner is not None:
        raise Rejected("the partner in the body differs from ?partner", field="partner")
    return body.model_copy(update={"partner": partner})
