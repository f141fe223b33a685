"""Pledges and volunteer registrations (JSON API; the hosted page's form posts to pages.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Request, status

from mobilise_runtime.dependencies import services_of
from mobilise_runtime.error_responses import described
from mobilise_runtime.errors import Rejected
from signup.application.intake import Intake
from signup.bootstrap import SignupServices
from signup.deps import request_client
from signup.repository import Repository
from signup.schemas.common import PartnerKey
from signup.schemas.signups import PledgeIn, SignupAccepted, VolunteerIn

S = TypeVar("S", bound=PledgeIn)
router = APIRouter(prefix="/api/v1/campaigns/{slug}", tags=["signups"])

RESPONSES = described(
    {
        404: "No such campaign",
        409: "The campaign is not open yet",
        410: "The campaign is closed",
        413: "The body is too large",
        422: "Invalid or refused input; `detail` says what and why",
        428: "Many signups from this network: solve `challenge` (SHA-256 of "
        "'<token>:<nonce>' with `bits` leading zero bits) and send again with `proof`",
        429: "Past a rate limit: nothing recorded; retry after Retry-After",
        503: "Kafka did not acknowledge in time: retry after Retry-After",
    }
)
# The widget names its partner in the query too: CORS reads it there (a preflight has no body).
PartnerQuery = Annotated[
    PartnerKey | None,
    Query(description="The partner's key, as the widget sends it (cross-origin calls need it)"),
]
ACCEPTED = (
    "202 means the signup is durably recorded (acknowledged by every in-sync Kafka replica). "
    "The answer is the same whether or not this address signed before; a repeat counts once."
)
# What both routes answer: the same contract for either kind of signup.
SIGNUP_ROUTE: dict[str, Any] = {
    "status_code": status.HTTP_202_ACCEPTED,
    "responses": RESPONSES,
    "description": ACCEPTED,
}


@dataclass(frozen=True)
class Acceptance:
    """The whole work of both routes: the request's signup, for the partner the query names,
    accepted for the campaign the path names."""

    slug: str
    repository: Repository
    intake: Intake
    client: str
    partner: str | None

    async def __call__(self, body: PledgeIn) -> SignupAccepted:
        signup = with_partner(body, self.partner)
        campaign = await self.repository.campaigns.by_slug_cached(self.slug)
        return await self.intake.accept(campaign, signup, client=self.client)


# One dependency, no chain of them: the intake is the service's hot path, and FastAPI's solving
# of each sub-dependency cost more than what they give (docs/benchmarks.md, the intake).
async def _acceptance(request: Request, slug: str, partner: PartnerQuery = None) -> Acceptance:
    services = services_of(request, SignupServices)
    client = request_client(request)
    return Acceptance(slug, services.stores.repository, services.intake, client, partner)


AcceptanceDep = Annotated[Acceptance, Depends(_acceptance)]


@router.post("/pledges", summary="Sign a pledge campaign", **SIGNUP_ROUTE)
async def sign_pledge(body: PledgeIn, accept: AcceptanceDep) -> SignupAccepted:
    return await accept(body)


@router.post("/volunteers", summary="Register as a volunteer", **SIGNUP_ROUTE)
async def register_volunteer(body: VolunteerIn, accept: AcceptanceDep) -> SignupAccepted:
    return await accept(body)


def with_partner(body: S, partner: str | None) -> S:
    """The signup, recorded for the partner the query names (the one CORS let through)."""
    if partner is None or body.partner == partner:
        return body
    if body.partner is not None:
        raise Rejected("the partner in the body differs from ?partner", field="partner")
    return body.model_copy(update={"partner": partner})
