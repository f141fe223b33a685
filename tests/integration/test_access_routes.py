"""Generated from the services' route tables: every route guarded by a bearer token (signup and
mailer; the counter has none) is called with no token, a forged one, a revoked one, an expired one,
and by the organiser of another campaign. A guarded route whose rule nobody taught this file, or a
path parameter World.path cannot fill, fails here; a route with no rule at all fails in
tests/unit/test_access_rules.py."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from devstack.config import StackConfig
from devstack.harness.signup import ADMIN_TOKEN
from mobilise_runtime.access import RouteAccess
from signup.repository.organisers import OrganiserRepository
from tests.access_routes import mailer_routes, signup_routes
from tests.access_world import (
    BEARER_RULES,
    MAILING,
    World,
    access_world,
    new_campaign,
    refused,
)


@pytest.fixture(scope="module")
async def world(stack: StackConfig) -> AsyncIterator[World]:
    async with access_world(stack) as built:
        yield built


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
    refused(response, 401, f"{route.label} with {stranger}")
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
        created = await new_campaign(c, world.consent)
    async with world.client("signup", world.awa.token) as c:
        closing = await c.post(f"/api/v1/campaigns/{created['slug']}/close")
    refused(closing, 403, "Awa closing Binta's new campaign")


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
    refused(response, 403, "Binta registering a partner for Awa's campaign")
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
    refused(response, 403, "Binta mailing Awa's campaign")


async def _binta_cannot_preview_or_list_awas_mailings(world: World) -> None:
    async with world.client("mailer", world.binta.token) as c:
        preview = await c.post(
            "/api/v1/mailings/preview", json={"campaign": world.mine["slug"], **MAILING}
        )
        listed = await c.get(f"/api/v1/campaigns/{world.mine['slug']}/mailings")
    refused(preview, 403, "Binta previewing a mailing to Awa's supporters")
    refused(listed, 403, "Binta listing Awa's mailings")


async def _binta_signs_out_only_herself(world: World) -> None:
    async with world.client("signup", world.binta.token) as c:
        email = (await c.get("/api/v1/organisers/me")).json()["email"]
    session = await OrganiserRepository(world.signup_db.db).new_token(email)
    assert session is not None
    async with world.client("signup", session) as c:
        dropped = await c.delete("/api/v1/organisers/me/token")
        after = await c.get("/api/v1/organisers/me")
    assert dropped.status_code == 204, dropped.text
    refused(after, 401, "a token signed out")
    for token in (world.binta.token, world.awa.token):
        async with world.client("signup", token) as c:
            assert (await c.get("/api/v1/organisers/me")).status_code == 200


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
    "mailer POST /api/v1/mailings/preview": _binta_cannot_preview_or_list_awas_mailings,
    "mailer GET /api/v1/campaigns/{slug}/mailings": _binta_cannot_preview_or_list_awas_mailings,
    "signup DELETE /api/v1/organisers/me/token": _binta_signs_out_only_herself,
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
    refused(response, REFUSAL[rule], f"Binta on {route.label}")


async def test_the_webhook_takes_nothing_unsigned(world: World) -> None:
    for token in (None, world.awa.token, ADMIN_TOKEN):
        async with world.client("mailer", token) as c:
            response = await c.post("/webhooks/sendgrid", json=[])
        refused(response, 403, "an unsigned webhook post")
