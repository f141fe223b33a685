"""Accepting a pledge or a volunteer: the campaign's rules, the rate limits, the supporter key,
and the event, published before anyone is told "accepted". The links its emails carry are minted
by the mailer, which mails them (mobilise_runtime.link_tokens)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog

from mobilise_events import PledgeSigned, Signup, VolunteerRegistered
from mobilise_runtime.errors import Rejected
from signup.adapters.publisher import SignupPublisher
from signup.application.guard import Guard
from signup.domain.campaigns import Campaign
from signup.domain.clients import kept_network
from signup.domain.emails import Email, parse_email
from signup.domain.supporters import supporter_key
from signup.repository import PartnerRepository
from signup.schemas.signups import PledgeIn, SignupAccepted, VolunteerIn

log = structlog.get_logger(__name__)


@dataclass(frozen=True, kw_only=True)
class Intake:
    publisher: SignupPublisher
    partners: PartnerRepository
    key_secret: bytes  # SIGNUP_SUPPORTER_KEY_SECRET: keys supporters for dedupe
    guard: Guard

    async def accept(
        self, campaign: Campaign, signup: PledgeIn, *, client: str, now: datetime | None = None
    ) -> SignupAccepted:
        """`client`: the address the signup comes from (rate limits)."""
        now = now or datetime.now(UTC)
        await self._check(campaign, signup, now)
        email = parse_email(signup.email)
        key = supporter_key(self.key_secret, campaign.id, email.canonical)
        await self.guard.admit(
            campaign, client=client, supporter_key=key, partner=signup.partner, proof=signup.proof
        )
        # The same answer whether or not this address signed before: it reveals nothing.
        status = "pending_confirmation" if campaign.double_opt_in else "accepted"
        if signup.fax:
            # The honeypot: no person sees that field. A robot gets what a person would.
            log.info("honeypot_filled", campaign=campaign.slug)
            return SignupAccepted(id=uuid.uuid4(), status=status)
        event = self._event(campaign, signup, email, key, now, kept_network(client))
        await self.publisher.publish(event, campaign_id=campaign.id)
        return SignupAccepted(id=event.signup_id, status=status)

    async def _check(self, campaign: Campaign, signup: PledgeIn, now: datetime) -> None:
        campaign.check_accepts(
            now=now, country=signup.country, consent_text_version=signup.consent_text_version
        )
        if isinstance(signup, VolunteerIn) != (campaign.kind == "volunteer"):
            path = "volunteers" if campaign.kind == "volunteer" else "pledges"
            raise Rejected(f"this is a {campaign.kind} campaign: use its /{path} endpoint")
        partner = signup.partner
        if partner is not None and not await self.partners.works_for(partner, campaign.id):
            raise Rejected(f"{partner!r} is not a partner of this campaign", field="partner")

    def _event(
        self,
        campaign: Campaign,
        signup: PledgeIn,
        email: Email,
        key: str,
        now: datetime,
        network: str | None,
    ) -> Signup:
        fields = {
            "signup_id": uuid.uuid4(),
            "occurred_at": now,
            "campaign_id": campaign.id,
            "campaign_slug": campaign.slug,
            "supporter_key": key,
            "email": email.address,
            "first_name": signup.first_name,
            "last_name": signup.last_name,
            "country": signup.country,
            "region": signup.region,
            "locale": signup.locale,
            "newsletter_opt_in": signup.newsletter_opt_in,
            "consent_text_version": signup.consent_text_version,
            "partner": signup.partner,
            "double_opt_in": campaign.double_opt_in,
            "client_network": network,
        }
        if isinstance(signup, VolunteerIn):
            return VolunteerRegistered(
                **fields,
                skills=tuple(signup.skills),
                availability=signup.availability,
                wants_training=signup.wants_training,
            )
        return PledgeSigned(**fields)
