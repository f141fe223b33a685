"""Who may call each route of the mailer API.

- organiser (deps.OrganiserDep): a token the signup service knows, asked on every request. A
  mailing goes only to a campaign the organiser may act on (403 otherwise: slugs are public); an
  admin may mail every campaign.
- mailing (MailingDep): a mailing's progress, for the organisers of its campaign only; anyone
  else gets the same 404 as for an id nobody requested (mailing ids are not public).
- admin (AdminDep): an admin's token only (what the mailer holds about an address spans every
  campaign).
- sendgrid-signature (deps.Verifier): SendGrid's signed Event Webhook.
- PUBLIC_ROUTES: probes, the docs, and the dev outbox (only served with MAILER_DEV_OUTBOX).
tests/unit/test_access_rules.py fails on a route that declares none;
tests/integration/test_access_routes.py calls every guarded one as every kind of stranger."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from mailer.adapters.signup_client import Campaign, Organiser, SignupClient
from mailer.deps import Mailings, OrganiserDep, SignupClientDep
from mailer.repository.mailings import Progress
from mobilise_runtime.access import API_PUBLIC_ROUTES, access_rule
from mobilise_runtime.errors import Forbidden, NotFound

PUBLIC_ROUTES = API_PUBLIC_ROUTES | frozenset(
    {
        "GET /outbox",
    }
)


@access_rule("mailing")
async def _mailing(mailing_id: uuid.UUID, organiser: OrganiserDep, mailings: Mailings) -> Progress:
    progress = await mailings.progress(str(mailing_id))
    if progress is None or not organiser.may_act_on(progress.campaign_id):
        raise NotFound(f"no mailing {mailing_id}")
    return progress


MailingDep = Annotated[Progress, Depends(_mailing)]


@dataclass(frozen=True)
class OrganiserCampaigns:
    """The request's organiser, and the campaigns they may act on. The routes that name a
    campaign (a mailing, its preview, a campaign's mailings) are guarded by "organiser" and ask
    here for it."""

    organiser: Organiser
    _signup: SignupClient

    async def get(self, slug: str) -> Campaign:
        """The campaign `slug` names, if the organiser may act on it (403 otherwise)."""
        campaign = await self._signup.campaign(slug)
        if not self.organiser.may_act_on(campaign.id):
            raise Forbidden(f"campaign {campaign.slug!r} is not one of yours", field="campaign")
        return campaign


async def _campaigns(organiser: OrganiserDep, signup: SignupClientDep) -> OrganiserCampaigns:
    return OrganiserCampaigns(organiser, signup)


CampaignsDep = Annotated[OrganiserCampaigns, Depends(_campaigns)]


@access_rule("admin")
async def _admin(organiser: OrganiserDep) -> Organiser:
    if organiser.role != "admin":
        raise Forbidden("only an admin may do this")
    return organiser


AdminDep = Annotated[Organiser, Depends(_admin)]
