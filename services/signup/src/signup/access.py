"""Who may act on which campaign: the access rule of every route of the signup service.

- admin (`MOBILISE_ADMIN_TOKEN`, or an organiser whose role is admin): everything, and alone
  organiser management and the GDPR requests by email (export, erasure).
- organiser: the campaigns they created or were given (read, change, open, close, export as CSV)
  and those campaigns' partners; anyone holding a token may create a campaign (it becomes theirs)
  and publish a consent text (immutable wording that any campaign may use).
No or a bad token is 401; a known organiser asking for someone else's campaign or partner is 403
(campaign slugs and partner keys are public, so existence is no secret here).

Each route declares its rule by depending on one of the marked dependencies below (or on
deps.OrganiserDep, the rule "organiser": any organiser, the handler narrowing what they see to
their campaigns), or by being listed in PUBLIC_ROUTES. tests/unit/test_access_rules.py fails on a
route that declares none; tests/integration/test_access_routes.py calls every guarded one as every
kind of stranger."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from mobilise_runtime.access import API_PUBLIC_ROUTES, access_rule
from mobilise_runtime.errors import Forbidden
from signup.deps import OrganiserDep, Repo
from signup.domain.campaigns import Campaign
from signup.domain.organisers import Organiser
from signup.repository.partners import Partner

# Anyone: supporters' pages and signups, partners' widget and iframe, emailed links, probes, docs.
PUBLIC_ROUTES = API_PUBLIC_ROUTES | frozenset(
    {
        "MOUNT /static",
        "GET /privacy",
        "GET /api/v1/consent-texts",
        "GET /api/v1/campaigns/{slug}",
        "POST /api/v1/campaigns/{slug}/pledges",
        "POST /api/v1/campaigns/{slug}/volunteers",
        "GET /api/v1/campaigns/{slug}/widget",
        "GET /api/v1/regions/{country}",
        "GET /c/{slug}",
        "POST /c/{slug}",
        "GET /c/{slug}/thanks",
        "GET /c/{slug}/progress",
        "GET /embed/{slug}",
        "POST /embed/{slug}",
        "GET /embed/{slug}/thanks",
        "GET /widget.js",
        "GET /confirm/{token}",
        "POST /confirm/{token}",
        "GET /unsubscribe/{token}",
        "POST /unsubscribe/{token}",
        # Organisers' console sign-in: the link is the credential (sign_in.py).
        "POST /api/v1/sign-in-links",
        "POST /api/v1/sign-in-links/redeem",
    }
)


@access_rule("admin")
async def _admin(organiser: OrganiserDep) -> Organiser:
    if not organiser.is_admin:
        raise Forbidden("only an admin may do this")
    return organiser


AdminDep = Annotated[Organiser, Depends(_admin)]


@dataclass(frozen=True)
class CampaignAccess:
    organiser: Organiser
    campaign: Campaign


@dataclass(frozen=True)
class PartnerAccess:
    organiser: Organiser
    # Narrowed to the campaigns the organiser may act on (an admin: all of them).
    partner: Partner


def _granted(organiser: Organiser, campaign_ids: Iterable[str], refusal: str) -> Organiser:
    """The rule of campaigns and partners alike: the organiser may act on one of the campaigns
    of what the path names, or is refused with `refusal` (403)."""
    if not organiser.may_act_on_any(campaign_ids):
        raise Forbidden(refusal)
    return organiser


@access_rule("campaign")
async def _campaign(slug: str, organiser: OrganiserDep, repository: Repo) -> CampaignAccess:
    """An organiser of the campaign the path names (an unknown one: 404, as to anyone)."""
    campaign = await repository.campaigns.by_slug(slug)
    refusal = f"campaign {slug!r} is not one of yours"
    return CampaignAccess(_granted(organiser, [campaign.id], refusal), campaign)


@access_rule("partner")
async def _partner(key: str, organiser: OrganiserDep, repository: Repo) -> PartnerAccess:
    """An organiser of at least one of the campaigns of the partner the path names."""
    partner = await repository.partners.get(key)
    refusal = f"partner {key!r} works for none of your campaigns"
    granted = _granted(organiser, partner.campaign_ids, refusal)
    return PartnerAccess(granted, narrowed(partner, granted))


CampaignDep = Annotated[CampaignAccess, Depends(_campaign)]
PartnerDep = Annotated[PartnerAccess, Depends(_partner)]


def narrowed(partner: Partner, organiser: Organiser) -> Partner:
    """The partner as `organiser` sees it: only the campaigns they may act on."""
    mine = tuple(c for c in partner.campaign_ids if organiser.may_act_on(c))
    return dataclasses.replace(partner, campaign_ids=mine)
