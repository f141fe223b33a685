"""Organisers' roles and scopes against a real signup-api and mailer-api (real Kafka, FerretDB).

The first tests are generated from the services' route tables: every route guarded by a bearer
token is called with no token, a forged one, a revoked one, an expired one, and by the organiser
of another campaign. A guarded route whose rule nobody taught this file, or a path parameter it
cannot fill, fails here. The others are the role matrix: what an organiser may do on their
campaigns, what only an admin may do, and changes (revocation, campaigns taken away) that hold in
every service from the next request."""

from __future__ import annotations

import base64
import secrets
import subprocess
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from devstack.config import StackConfig
from devstack.harness.processes import SCRIPTS, service_env
from devstack.harness.signup import ADMIN_TOKEN, SignupService, signup_api
from mobilise_runtime.access import RouteAccess
from mobilise_runtime.kafka import ensure_topics
from mobilise_runtime.mongo import ServiceDatabase
from mobilise_runtime.settings import SharedSettings
from signup.repository.organisers import OrganiserRepository, token_hash
from tests.access_routes import mailer_routes, signup_routes
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
        }
        path = route.path
        for name, value in values.items():
            path = path.replace("{" + name + "}", value)
        assert "{" not in path, f"{route.label}: teach World.path what to put in its parameters"
        return path


async def _campaign(c: httpx.AsyncClient, consent: str) -> dict[str, Any]:
    response = await c.post(
        "/api/v1/campaigns",
        json={
            "slug": f"campaign-{uuid.uuid4().hex[:8]}",
            "kind": "pledge",
            "title": {"fr": "Égalité", "en": "Equality"},
            "description": {"fr": "", "en": ""},
            "goal": 1000,
            "countries": [],
            "double_opt_in": False,
            "consent_text_versions": [consent],
        },
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def _organiser(c: httpx.AsyncClient, name: str, campaigns: list[str]) -> Organiser:
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


@pytest.fixture(scope="module")
async def world(stack: StackConfig) -> AsyncIterator[World]:
    unique = uuid.uuid4().hex[:12]
    shared = SharedSettings(
        kafka_bootstrap=stack.kafka_bootstrap,
        mongo_url=stack.mongo_url,
        redis_url=stack.redis_url,
        topic_prefix=f"t{unique}.",
        log_format="console",
    )
    created = await ensure_topics(stack.kafka_bootstrap, prefix=shared.topic_prefix)
    signup_db = ServiceDatabase(stack.mongo_url, f"test_{unique}", app_name="tests")
    mailer_db = ServiceDatabase(stack.mongo_url, f"test_{unique}_mailer", app_name="tests")
    try:
        with ExitStack() as running:
            signup = running.enter_context(signup_api(shared, signup_db.db.name))
            mailer = running.enter_context(
                mailer_api(
                    shared,
                    MAILER_MONGO_DATABASE=mailer_db.db.name,
                    MAILER_SIGNUP_API_URL=signup.url,
                    # A key nobody here signs with: every post is refused, as unsigned ones are.
                    MAILER_SENDGRID_WEBHOOK_PUBLIC_KEY=_public_key(),
                )
            )
            yield await _populate(signup, mailer, signup_db)
    finally:
        for db in (signup_db, mailer_db):
            await db.client.drop_database(db.db.name)
            await db.close()
        admin = AIOKafkaAdminClient(bootstrap_servers=stack.kafka_bootstrap)
        await admin.start()
        try:
            await admin.delete_topics(created)
        finally:
            await admin.close()


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
        awa = await _organiser(admin, "Awa", [])
        binta = await _organiser(admin, "Binta", [])
    as_awa = {"Authorization": f"Bearer {awa.token}"}
    async with httpx.AsyncClient(base_url=urls["signup"], headers=as_awa, timeout=30) as c:
        mine = await _campaign(c, consent)
        partner = await c.post(
            "/api/v1/partners",
            json={"name": "Asso", "campaigns": [mine["slug"]], "origins": ["https://asso.example"]},
        )
        assert partner.status_code == 201, partner.text
    async with httpx.AsyncClient(
        base_url=urls["signup"], headers={"Authorization": f"Bearer {binta.token}"}, timeout=30
    ) as c:
        theirs = await _campaign(c, consent)
    async with httpx.AsyncClient(base_url=urls["signup"], headers=bearer, timeout=30) as admin:
        revoked = await _organiser(admin, "Rokhaya", [mine["slug"]])
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


# Generated from the route tables -----------------------------------------------------------------


def _guarded(service: str, routes: list[RouteAccess]) -> list[Any]:
    return [
        pytest.param(service, route, id=f"{service} {route.label}")
        for route in routes
        if route.rules & BEARER_RULES
    ]


GUARDED = _guarded("signup", signup_routes()) + _guarded("mailer", mailer_routes())
STRANGERS = ["no token", "forged token", "revoked token", "expired token"]


async def _call(
    world: World, service: str, route: RouteAccess, token: str | None
) -> httpx.Response:
    async with world.client(service, token) as c:
        body: dict[str, Any] | None = {} if route.method in ("POST", "PATCH", "PUT") else None
        return await c.request(route.method, world.path(route), json=body)


def _refused(response: httpx.Response, status: int, what: str) -> None:
    assert response.status_code == status, f"{what}: {response.status_code} {response.text}"
    detail = response.json().get("detail")
    # A string, or (validation errors) a list of them.
    assert isinstance(detail, str | list), f"{what}: no JSON detail: {response.text}"
    assert detail, f"{what}: an empty detail"


@pytest.mark.parametrize("stranger", STRANGERS)
@pytest.mark.parametrize(("service", "route"), GUARDED)
async def test_a_stranger_is_401_on_every_guarded_route(
    world: World, service: str, route: RouteAccess, stranger: str
) -> None:
    token = {
        "no token": None,
        "forged token": secrets.token_urlsafe(32),
        "revoked token": world.revoked.token,
        "expired token": world.expired.token,
    }[stranger]
    response = await _call(world, service, route, token)
    _refused(response, 401, f"{route.label} with {stranger}")
    assert response.headers["WWW-Authenticate"] == "Bearer"


async def _binta_gets_her_own_list_of_campaigns(world: World) -> None:
    async with world.client("signup", world.binta.token) as c:
        listed = await c.get("/api/v1/campaigns")
    assert listed.status_code == 200, listed.text
    slugs = [c["slug"] for c in listed.json()]
    assert world.theirs["slug"] in slugs
    assert world.mine["slug"] not in slugs


async def _binta_creates_a_campaign_of_her_own(world: World) -> None:
    async with world.client("signup", world.binta.token) as c:
        created = await _campaign(c, world.consent)
    async with world.client("signup", world.awa.token) as c:
        refused = await c.post(f"/api/v1/campaigns/{created['slug']}/close")
    _refused(refused, 403, "Awa closing Binta's new campaign")


async def _binta_may_publish_a_consent_text(world: World) -> None:
    version = f"v-{uuid.uuid4().hex[:8]}"
    async with world.client("signup", world.binta.token) as c:
        response = await c.post(
            "/api/v1/consent-texts",
            json={"version": version, "text": {"fr": "J'accepte.", "en": "I agree."}},
        )
    assert response.status_code == 201, response.text


async def _binta_is_told_who_she_is(world: World) -> None:
    async with world.client("signup", world.binta.token) as c:
        me = await c.get("/api/v1/organisers/me")
    assert me.status_code == 200, me.text
    assert me.json()["id"] == world.binta.id
    assert me.json()["role"] == "organiser"
    assert world.theirs["slug"] in me.json()["campaigns"]
    assert world.mine["slug"] not in me.json()["campaigns"]


async def _binta_cannot_register_a_partner_for_awas_campaign(world: World) -> None:
    async with world.client("signup", world.binta.token) as c:
        response = await c.post(
            "/api/v1/partners",
            json={
                "name": "Intruse",
                "campaigns": [world.mine["slug"]],
                "origins": ["https://intruse.example"],
            },
        )
        listed = await c.get("/api/v1/partners")
    _refused(response, 403, "Binta registering a partner for Awa's campaign")
    assert world.partner not in [p["key"] for p in listed.json()]
    assert "intruse" not in str(listed.json()).lower()


async def _binta_sees_no_partner_of_awa(world: World) -> None:
    async with world.client("signup", world.binta.token) as c:
        listed = await c.get("/api/v1/partners")
    assert listed.status_code == 200, listed.text
    assert world.partner not in [p["key"] for p in listed.json()]


async def _binta_cannot_mail_awas_supporters(world: World) -> None:
    async with world.client("mailer", world.binta.token) as c:
        response = await c.post(
            "/api/v1/mailings", json={"campaign": world.mine["slug"], **MAILING}
        )
    _refused(response, 403, "Binta mailing Awa's campaign")


# What another campaign's organiser gets from the routes any organiser may call (the rule
# "organiser": the handler narrows what they see or name to their own campaigns).
SCOPED: dict[str, Callable[[World], Awaitable[None]]] = {
    "signup GET /api/v1/campaigns": _binta_gets_her_own_list_of_campaigns,
    "signup POST /api/v1/campaigns": _binta_creates_a_campaign_of_her_own,
    "signup POST /api/v1/consent-texts": _binta_may_publish_a_consent_text,
    "signup GET /api/v1/organisers/me": _binta_is_told_who_she_is,
    "signup POST /api/v1/partners": _binta_cannot_register_a_partner_for_awas_campaign,
    "signup GET /api/v1/partners": _binta_sees_no_partner_of_awa,
    "mailer POST /api/v1/mailings": _binta_cannot_mail_awas_supporters,
}
# What another campaign's organiser gets from routes whose rule names one thing of Awa's.
REFUSAL = {"admin": 403, "campaign": 403, "partner": 403, "mailing": 404}


@pytest.mark.parametrize(("service", "route"), GUARDED)
async def test_another_campaigns_organiser_gets_nothing_of_awas(
    world: World, service: str, route: RouteAccess
) -> None:
    (rule,) = route.rules
    if rule == "organiser":
        scoped = SCOPED.get(f"{service} {route.label}")
        assert scoped is not None, f"{route.label}: say in SCOPED what Binta gets from it"
        await scoped(world)
        return
    response = await _call(world, service, route, world.binta.token)
    _refused(response, REFUSAL[rule], f"Binta on {route.label}")


async def test_the_webhook_takes_nothing_unsigned(world: World) -> None:
    for token in (None, world.awa.token, ADMIN_TOKEN):
        async with world.client("mailer", token) as c:
            response = await c.post("/webhooks/sendgrid", json=[])
        _refused(response, 403, "an unsigned webhook post")


# The role matrix --------------------------------------------------------------------------------


async def test_an_organiser_acts_on_their_campaign_its_partners_and_mailings(world: World) -> None:
    slug = world.mine["slug"]
    async with world.client("signup", world.awa.token) as c:
        patched = await c.patch(f"/api/v1/campaigns/{slug}", json={"goal": 2000})
        closed = await c.post(f"/api/v1/campaigns/{slug}/close")
        opened = await c.post(f"/api/v1/campaigns/{slug}/open")
        csv = await c.get(f"/api/v1/campaigns/{slug}/supporters.csv")
        partner = await c.get(f"/api/v1/partners/{world.partner}")
        listed = await c.get("/api/v1/campaigns")
        for admin_only in (
            c.get("/api/v1/organisers"),
            c.post("/api/v1/supporters/export", json={"email": "awa.diop@example.org"}),
            c.post("/api/v1/supporters/erase", json={"email": "awa.diop@example.org"}),
            c.delete(f"/api/v1/organisers/{world.binta.id}"),
        ):
            _refused(await admin_only, 403, "an organiser on an admin route")
    async with world.client("mailer", world.awa.token) as c:
        progress = await c.get(f"/api/v1/mailings/{world.mailing}")
    for ok in (patched, closed, opened, csv, partner, listed, progress):
        assert ok.status_code == 200, (ok.request.url, ok.text)
    assert patched.json()["goal"] == 2000
    assert slug in [c["slug"] for c in listed.json()]
    assert world.theirs["slug"] not in [c["slug"] for c in listed.json()]
    assert partner.json()["campaigns"] == [slug]


async def test_campaigns_given_and_taken_away_count_at_once_in_every_service(
    world: World,
) -> None:
    theirs = world.theirs["slug"]
    async with world.client("signup", ADMIN_TOKEN) as admin:
        given = await admin.patch(
            f"/api/v1/organisers/{world.awa.id}",
            json={"campaigns": [world.mine["slug"], theirs]},
        )
        assert given.status_code == 200, given.text
        assert sorted(given.json()["campaigns"]) == sorted([world.mine["slug"], theirs])
        async with world.client("signup", world.awa.token) as c:
            csv = await c.get(f"/api/v1/campaigns/{theirs}/supporters.csv")
        async with world.client("mailer", world.awa.token) as c:
            mailed = await c.post("/api/v1/mailings", json={"campaign": theirs, **MAILING})
        assert csv.status_code == 200, csv.text
        assert mailed.status_code == 202, mailed.text
        taken = await admin.patch(
            f"/api/v1/organisers/{world.awa.id}", json={"campaigns": [world.mine["slug"]]}
        )
        assert taken.status_code == 200, taken.text
    async with world.client("signup", world.awa.token) as c:
        _refused(await c.get(f"/api/v1/campaigns/{theirs}/supporters.csv"), 403, "taken away")
    async with world.client("mailer", world.awa.token) as c:
        again = await c.post("/api/v1/mailings", json={"campaign": theirs, **MAILING})
        progress = await c.get(f"/api/v1/mailings/{mailed.json()['mailing_id']}")
    _refused(again, 403, "mailing a campaign taken away")
    _refused(progress, 404, "the progress of a mailing of a campaign taken away")


async def test_a_revoked_token_stops_working_at_once_in_every_service(world: World) -> None:
    """The mailer used to keep a positive answer 30 s: a revoked organiser could still mail."""
    async with world.client("signup", ADMIN_TOKEN) as admin:
        fatou = await _organiser(admin, "Fatou", [world.mine["slug"]])
        async with world.client("mailer", fatou.token) as c:
            before = await c.get(f"/api/v1/mailings/{world.mailing}")
            assert before.status_code == 200, before.text
            revoked = await admin.delete(f"/api/v1/organisers/{fatou.id}")
            assert revoked.status_code == 204, revoked.text
            progress = await c.get(f"/api/v1/mailings/{world.mailing}")
            mailing = await c.post(
                "/api/v1/mailings", json={"campaign": world.mine["slug"], **MAILING}
            )
        async with world.client("signup", fatou.token) as c:
            me = await c.get("/api/v1/organisers/me")
        listed = await admin.get("/api/v1/organisers")
    for refused in (progress, mailing, me):
        _refused(refused, 401, "a revoked token")
    (record,) = [o for o in listed.json() if o["id"] == fatou.id]
    assert record["revoked_at"] is not None
    assert token_hash(fatou.token) not in str(
        await world.signup_db.db["organisers"].find_one({"_id": fatou.id})
    )


async def test_an_admin_manages_organisers(world: World) -> None:
    email = f"mariam-{uuid.uuid4().hex[:8]}@association.example"
    body = {"name": "Mariam", "email": email, "role": "admin", "campaigns": []}
    async with world.client("signup", ADMIN_TOKEN) as admin:
        created = await admin.post("/api/v1/organisers", json=body)
        again = await admin.post("/api/v1/organisers", json=body)
        unknown_campaign = await admin.post(
            "/api/v1/organisers", json={**body, "email": "x" + email, "campaigns": ["no-such-one"]}
        )
        past = await admin.post(
            "/api/v1/organisers",
            json={**body, "email": "y" + email, "expires_at": "2020-01-01T00:00:00Z"},
        )
        bad_role = await admin.post("/api/v1/organisers", json={**body, "role": "owner"})
        missing = await admin.patch("/api/v1/organisers/nobody", json={"role": "admin"})
        gone = await admin.delete("/api/v1/organisers/nobody")
    assert created.status_code == 201, created.text
    mariam = created.json()
    assert mariam["role"] == "admin"
    assert mariam["token"]
    assert mariam["revoked_at"] is None
    stored = await world.signup_db.db["organisers"].find_one({"_id": mariam["id"]})
    assert stored is not None
    assert mariam["token"] not in str(stored)  # only its hash is kept
    _refused(again, 409, "a second organiser with the same email")
    for invalid in (unknown_campaign, past, bad_role):
        _refused(invalid, 422, "an invalid organiser")
    _refused(missing, 404, "an unknown organiser")
    _refused(gone, 404, "an unknown organiser")
    # An admin organiser is an admin: organiser management and requests by email.
    async with world.client("signup", mariam["token"]) as c:
        listed = await c.get("/api/v1/organisers")
        exported = await c.post("/api/v1/supporters/export", json={"email": "awa.diop@example.org"})
        demoted = await c.patch(f"/api/v1/organisers/{mariam['id']}", json={"role": "organiser"})
        after = await c.get("/api/v1/organisers")
    assert listed.status_code == 200, listed.text
    assert exported.status_code == 200, exported.text
    assert {o["id"] for o in listed.json()} >= {world.awa.id, world.binta.id, mariam["id"]}
    assert all("token" not in o for o in listed.json())
    assert demoted.status_code == 200, demoted.text
    assert demoted.json()["role"] == "organiser"
    _refused(after, 403, "an admin who demoted herself")


async def test_a_partner_shared_by_two_organisers_is_each_ones_own_part(world: World) -> None:
    mine, theirs = world.mine["slug"], world.theirs["slug"]
    async with world.client("signup", ADMIN_TOKEN) as admin:
        shared = await admin.post(
            "/api/v1/partners",
            json={"name": "Réseau", "campaigns": [mine, theirs], "origins": ["https://r.example"]},
        )
    assert shared.status_code == 201, shared.text
    key = shared.json()["key"]
    async with world.client("signup", world.awa.token) as c:
        seen = await c.get(f"/api/v1/partners/{key}")
        renamed = await c.patch(f"/api/v1/partners/{key}", json={"name": "Autre"})
        grabbed = await c.patch(f"/api/v1/partners/{key}", json={"campaigns": [theirs]})
        kept = await c.patch(f"/api/v1/partners/{key}", json={"campaigns": [mine]})
    assert seen.status_code == 200, seen.text
    assert seen.json()["campaigns"] == [mine]
    assert list(seen.json()["embed"]) == [mine]
    _refused(renamed, 403, "renaming a partner other organisers share")
    _refused(grabbed, 403, "giving a partner someone else's campaign")
    assert kept.status_code == 200, kept.text
    async with world.client("signup", ADMIN_TOKEN) as admin:
        whole = await admin.get(f"/api/v1/partners/{key}")
    assert sorted(whole.json()["campaigns"]) == sorted([mine, theirs])


async def test_an_organiser_from_before_roles_keeps_the_campaigns_they_created(
    world: World,
) -> None:
    """Organisers created before roles had no role and could do everything: they become
    organisers of their own campaigns, not admins."""
    token = secrets.token_urlsafe(32)
    legacy_id = uuid.uuid4().hex
    await world.signup_db.db["organisers"].insert_one(
        {
            "_id": legacy_id,
            "name": "Ancienne",
            "email": f"ancienne-{legacy_id[:8]}@association.example",
            "token_hashes": [token_hash(token)],
            "created_at": datetime.now(UTC),
        }
    )
    await world.signup_db.db["campaigns"].update_one(
        {"_id": world.theirs["id"]}, {"$set": {"created_by": legacy_id}}
    )
    try:
        async with world.client("signup", token) as c:
            me = await c.get("/api/v1/organisers/me")
            csv = await c.get(f"/api/v1/campaigns/{world.theirs['slug']}/supporters.csv")
            other = await c.get(f"/api/v1/campaigns/{world.mine['slug']}/supporters.csv")
            admin_only = await c.get("/api/v1/organisers")
    finally:
        await world.signup_db.db["campaigns"].update_one(
            {"_id": world.theirs["id"]}, {"$set": {"created_by": world.binta.id}}
        )
    assert me.status_code == 200, me.text
    assert me.json()["role"] == "organiser"
    assert me.json()["campaigns"] == [world.theirs["slug"]]
    assert csv.status_code == 200, csv.text
    _refused(other, 403, "a legacy organiser on a campaign they did not create")
    _refused(admin_only, 403, "a legacy organiser managing organisers")


def test_the_cli_manages_organisers_as_the_api_does(world: World) -> None:
    env = service_env(world.signup.shared, SIGNUP_MONGO_DATABASE=world.signup.database)
    email = f"ndeye-{uuid.uuid4().hex[:8]}@association.example"

    def mobilise(*args: str) -> subprocess.CompletedProcess[str]:
        argv = [str(SCRIPTS / "mobilise"), "organiser", *args]
        return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=30)

    def csv(token: str, slug: str) -> int:
        response = httpx.get(
            f"{world.signup.url}/api/v1/campaigns/{slug}/supporters.csv",
            headers={"Authorization": f"Bearer {token}"},
        )
        return response.status_code

    made = mobilise("add", "--name", "Ndeye", "--email", email, "--campaign", world.mine["slug"])
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    assert csv(token, world.mine["slug"]) == 200
    assert csv(token, world.theirs["slug"]) == 403
    unknown = mobilise("add", "--name", "X", "--email", "x" + email, "--campaign", "no-such-one")
    assert unknown.returncode == 1
    assert "no campaign no-such-one" in unknown.stderr
    changed = mobilise("change", "--email", email, "--campaign", world.theirs["slug"])
    assert changed.returncode == 0, changed.stderr
    assert csv(token, world.mine["slug"]) == 403
    assert csv(token, world.theirs["slug"]) == 200
    listed = mobilise("list")
    assert f"Ndeye <{email}>  organiser: {world.theirs['slug']}" in listed.stdout
    revoked = mobilise("revoke", "--email", email)
    assert revoked.returncode == 0, revoked.stderr
    assert csv(token, world.theirs["slug"]) == 401
    assert "REVOKED" in mobilise("list").stdout
    past = mobilise("token", "--email", email, "--expires-at", "2020-01-01T00:00:00Z")
    assert past.returncode == 1
    assert "in the past" in past.stderr
    # A new token reinstates them.
    fresh = mobilise("token", "--email", email, "--expires-at", "2099-01-01T00:00:00+01:00")
    assert csv(fresh.stdout.strip().splitlines()[-1], world.theirs["slug"]) == 200
    assert csv(token, world.theirs["slug"]) == 401  # the revoked one stays revoked
