"""Creating and changing partners, shared by the organiser API and the admin CLI: campaigns are
named by slug outside and kept by id inside (a slug is for people; events carry the id). `by` is
who asks: an organiser names only their campaigns (domain/organisers.py); the CLI is an admin."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mobilise_runtime.errors import Rejected
from signup.domain.organisers import (
    ADMIN,
    Organiser,
    check_partner_details_change,
    partner_campaigns_after,
)
from signup.domain.partners import embed_snippets, new_partner_key, parse_origins
from signup.repository import Repository
from signup.repository.partners import Partner
from signup.schemas.partners import EmbedOut, PartnerIn, PartnerOut


async def campaign_ids_of(repository: Repository, slugs: list[str]) -> list[str]:
    """The ids of the campaigns `slugs` name, in that order; an unknown slug is a 422."""
    known = {c.slug: c.id for c in await repository.campaigns.all()}
    missing = [slug for slug in slugs if slug not in known]
    if missing:
        raise Rejected(f"no campaign {', '.join(missing)}", field="campaigns")
    return [known[slug] for slug in dict.fromkeys(slugs)]


async def create(
    *, repository: Repository, body: PartnerIn, by: Organiser, now: datetime
) -> Partner:
    # BSON keeps milliseconds: the answer shows what is stored.
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)
    partner = Partner(
        key=body.key or new_partner_key(body.name),
        name=body.name,
        campaign_ids=partner_campaigns_after(
            by, (), await campaign_ids_of(repository, body.campaigns)
        ),
        origins=tuple(parse_origins(body.origins)),
        created_at=now,
        updated_at=now,
        created_by=by.id,
    )
    await repository.partners.create(partner)
    return partner


async def update(
    *,
    repository: Repository,
    key: str,
    changes: dict[str, Any],
    now: datetime,
    by: Organiser = ADMIN,
) -> Partner:
    current = await repository.partners.get(key)  # an unknown partner: 404 before other checks
    stored = dict(changes)
    if {"name", "origins"} & stored.keys():
        check_partner_details_change(by, current.campaign_ids)
    if "campaigns" in stored:
        asked = await campaign_ids_of(repository, stored["campaigns"])
        stored["campaigns"] = list(partner_campaigns_after(by, current.campaign_ids, asked))
    if "origins" in stored:
        stored["origins"] = parse_origins(stored["origins"])
    return await repository.partners.update(key, stored, now=now)


async def view(repository: Repository, partner: Partner, *, public_url: str) -> PartnerOut:
    by_id = await repository.campaigns.by_ids(list(partner.campaign_ids))
    # A campaign deleted since would have no slug: it is left out rather than shown broken.
    campaigns = [by_id[i] for i in partner.campaign_ids if i in by_id]
    embed = {}
    for campaign in campaigns:
        snippets = embed_snippets(
            public_url,
            key=partner.key,
            slug=campaign.slug,
            title=campaign.title.get(campaign.fallback_locale),
        )
        embed[campaign.slug] = EmbedOut(script=snippets.script, iframe=snippets.iframe)
    return PartnerOut(
        key=partner.key,
        name=partner.name,
        campaigns=[c.slug for c in campaigns],
        origins=list(partner.origins),
        created_at=partner.created_at,
        updated_at=partner.updated_at,
        created_by=partner.created_by,
        embed=embed,
    )
