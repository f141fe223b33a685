"""Organisers' roles and scopes, the world both access test modules run in: a real signup-api
and mailer-api (real Kafka, FerretDB), organisers of different campaigns, and things of theirs."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from devstack.config import StackConfig
from devstack.harness.isolation import isolated
from devstack.harness.signup import ADMIN_TOKEN, SignupService, campaign_body, signup_api
from mobilise_runtime.access import RouteAccess
from mobilise_runtime.mongo import ServiceDatabase
from signup.repository.organisers import OrganiserRepository
from tests.mailer_api_service import MailerService, mailer_api

BEARER_RULES = {"organiser", "campaign", "partner", "mailing", "admin"}
MAILING = {
    "subject": {"fr": "Merci", "en": "Thank you"},
    "body_template": {"fr": "Bonjour {{ first_name }}", "en": "Hello {{ first_name }}"},
    "audience": {"confirmed_only": False},
}


@dataclass
class Organiser:
    id: str
    token: str


@dataclass
class World:
    signup: SignupService
    mailer: MailerService
    signup_db: ServiceDatabase
    consent: str  # a consent-text version every campaign here accepts
    awa: Organiser  # organiser of campaign `mine` (created it), and of partner `partner`
    binta: Organiser  # organiser of campaign `theirs` only
    revoked: Organiser  # was given `mine`, then revoked
    expired: Organiser  # was given `mine`, token expired
    mine: dict[str, Any]
    theirs: dict[str, Any]
    partner: str
    mailing: str

    def url(self, service: str) -> str:
        return self.signup.url if service == "signup" else self.mailer.url

    def client(self, service: str, token: str | None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(base_url=self.url(service), headers=headers, timeout=30)

    def path(self, route: RouteAccess) -> str:
        """The route's path on Awa's things (Binta's calls must not reach them)."""
        values = {
            "slug": self.mine["slug"],
            "key": self.partner,
            "organiser_id": self.awa.id,
            "mailing_id": self.mailing,
            # Refused before anyone looks it up: whose it is, is the campaign's question.
            "invalidation_id": str(uuid.UUID(int=14)),
        }
        path = route.path
        for name, value in values.items():
            path = path.replace("{" + name + "}", value)
        assert "{" not in path, f"{route.label}: teach World.path what to put in its parameters"
        return path


async def new_campaign(c: httpx.AsyncClient, consent: str) -> dict[str, Any]:
    body = campaign_body(consent, goal=1000, double_opt_in=False)
    response = await c.post("/api/v1/campaigns", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def new_organiser(c: httpx.AsyncClient, name: str, campaigns: list[str]) -> Organiser:
    response = await c.post(
        "/api/v1/organisers",
        json={
            "name": name,
            "email": f"{name.lower()}-{uuid.uuid4().hex[:8]}@association.example",
            "role": "organiser",
            "campaigns": campaigns,
        },
    )
    assert response.status_code == 201, response.text
    return Organiser(response.json()["id"], response.json()["token"])


@asynccontextmanager
async def access_world(stack: StackConfig) -> AsyncIterator[World]:
    """A signup-api and a mailer-api on topics and databases of their own, with two organisers
    (Awa, Binta) of a campaign each, a revoked and an expired one, a partner and a mailing."""
    async with isolated(stack) as own:
        with ExitStack() as running:
            signup = running.enter_context(signup_api(own.shared, own.signup_db.db.name))
            mailer = running.enter_context(
                mailer_api(
                    own.shared,
                    MAILER_MONGO_DATABASE=own.mailer_db.db.name,
                    MAILER_SIGNUP_API_URL=signup.url,
                    # A key nobody here signs with: every post is refused, as unsigned ones are.
                    MAILER_SENDGRID_WEBHOOK_PUBLIC_KEY=_public_key(),
                )
            )
            yield await _populate(signup, mailer, own.signup_db)


async def _populate(signup: SignupService, mailer: MailerService, db: ServiceDatabase) -> World:
    consent = f"v-{uuid.uuid4().hex[:8]}"
    urls = {"signup": signup.url, "mailer": mailer.url}
    bearer = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    async with httpx.AsyncClient(base_url=urls["signup"], headers=bearer, timeout=30) as admin:
        text = {"fr": "J'accepte.", "en": "I agree."}
        published = await admin.post(
            "/api/v1/consent-texts", json={"version": consent, "text": text}
        )
        assert published.status_code == 201, published.text
        awa = await new_organiser(admin, "Awa", [])
        binta = await new_organiser(admin, "Binta", [])
    as_awa = {"Authorization": f"Bearer {awa.token}"}
    async with httpx.AsyncClient(base_url=urls["signup"], headers=as_awa, timeout=30) as c:
        mine = await new_campaign(c, consent)
        partner = await c.post(
            "/api/v1/partners",
            json={"name": "Asso", "campaigns": [mine["slug"]], "origins": ["https://asso.example"]},
        )
        assert partner.status_code == 201, partner.text
    async with httpx.AsyncClient(
        base_url=urls["signup"], headers={"Authorization": f"Bearer {binta.token}"}, timeout=30
    ) as c:
        theirs = await new_campaign(c, consent)
    async with httpx.AsyncClient(base_url=urls["signup"], headers=bearer, timeout=30) as admin:
        revoked = await new_organiser(admin, "Rokhaya", [mine["slug"]])
        gone = await admin.delete(f"/api/v1/organisers/{revoked.id}")
        assert gone.status_code == 204, gone.text
    # The API refuses an expiry in the past: this one is written as it will be once it passed.
    expired_doc, expired_token = await OrganiserRepository(db.db).create(
        name="Eva",
        email=f"eva-{uuid.uuid4().hex[:8]}@association.example",
        role="admin",
        campaign_ids=(mine["id"],),
        expires_at=datetime.now(UTC) - timedelta(seconds=1),
        now=datetime.now(UTC),
    )
    async with httpx.AsyncClient(base_url=urls["mailer"], headers=as_awa, timeout=30) as c:
        mailing = await c.post("/api/v1/mailings", json={"campaign": mine["slug"], **MAILING})
        assert mailing.status_code == 202, mailing.text
    return World(
        signup=signup,
        mailer=mailer,
        signup_db=db,
        consent=consent,
        awa=awa,
        binta=binta,
        revoked=revoked,
        expired=Organiser(expired_doc.id, expired_token),
        mine=mine,
        theirs=theirs,
        partner=partner.json()["key"],
        mailing=mailing.json()["mailing_id"],
    )


def _public_key() -> str:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    return base64.b64encode(
        key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    ).decode()


def refused(response: httpx.Response, status: int, what: str) -> None:
    assert response.status_code == status, f"{what}: {response.status_code} {response.text}"
    detail = response.json().get("detail")
    # A string, or (validation errors) a list of them.
    assert isinstance(detail, str | list), f"{what}: no JSON detail: {response.text}"
    assert detail, f"{what}: an empty detail"
