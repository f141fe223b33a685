"""Every route of every service declares its access rule (mobilise_runtime.access), read from the
apps' route tables: a route added without one fails here. What each rule does is checked against
the running services in tests/integration/test_access_routes.py and test_access_roles.py."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

import console.access
import counter.access
import mailer.access
import signup.access
from mobilise_runtime.access import PUBLIC, route_access
from mobilise_runtime.errors import Forbidden
from signup.domain.organisers import (
    ADMIN,
    Organiser,
    check_partner_details_change,
    partner_campaigns_after,
)
from tests.access_routes import console_routes, counter_routes, mailer_routes, signup_routes

KNOWN_RULES = {
    "signup": {PUBLIC, "organiser", "campaign", "partner", "admin"},
    "mailer": {PUBLIC, "organiser", "mailing", "admin", "sendgrid-signature"},
    "counter": {PUBLIC},
    "console": {PUBLIC, "session", "session-form"},
}


TABLES = {
    "signup": signup_routes,
    "mailer": mailer_routes,
    "counter": counter_routes,
    "console": console_routes,
}


@pytest.mark.parametrize("service", sorted(TABLES))
def test_every_route_declares_exactly_one_known_rule(service: str) -> None:
    routes = TABLES[service]()
    assert len(routes) >= 10
    undeclared = [r.label for r in routes if not r.rules]
    assert undeclared == [], f"{service}: routes without an access rule: {undeclared}"
    ambiguous = [f"{r.label}: {sorted(r.rules)}" for r in routes if len(r.rules) > 1]
    assert ambiguous == [], f"{service}: routes with more than one rule: {ambiguous}"
    unknown = {rule for r in routes for rule in r.rules} - KNOWN_RULES[service]
    assert unknown == set(), f"{service}: rules nobody tests: {unknown}"


@pytest.mark.parametrize("service", sorted(TABLES))
def test_every_declared_public_route_exists(service: str) -> None:
    """A stale entry would let a future route of that name be public unnoticed."""
    declared = {
        "signup": signup.access.PUBLIC_ROUTES,
        "mailer": mailer.access.PUBLIC_ROUTES,
        "counter": counter.access.PUBLIC_ROUTES,
        "console": console.access.PUBLIC_ROUTES,
    }[service]
    assert declared - {r.label for r in TABLES[service]()} == set()


def test_a_route_added_without_a_rule_is_found() -> None:
    app = FastAPI()

    @app.get("/api/v1/secrets")
    async def secrets() -> dict[str, str]:
        return {}

    (route,) = [r for r in route_access(app, set()) if r.path == "/api/v1/secrets"]
    assert route.rules == frozenset()
    (public,) = [r for r in route_access(app, {"GET /api/v1/secrets"}) if r.path == route.path]
    assert public.rules == {PUBLIC}


def test_the_organisers_routes_have_the_rules_the_readme_gives() -> None:
    rules = {r.label: set(r.rules) for r in signup_routes()}
    for admin_only in (
        "POST /api/v1/organisers",
        "GET /api/v1/organisers",
        "PATCH /api/v1/organisers/{organiser_id}",
        "DELETE /api/v1/organisers/{organiser_id}",
        "POST /api/v1/supporters/export",
        "POST /api/v1/supporters/export/report",
        "POST /api/v1/supporters/erase",
    ):
        assert rules[admin_only] == {"admin"}, admin_only
    for campaign_only in (
        "PATCH /api/v1/campaigns/{slug}",
        "POST /api/v1/campaigns/{slug}/close",
        "POST /api/v1/campaigns/{slug}/open",
        "GET /api/v1/campaigns/{slug}/supporters.csv",
    ):
        assert rules[campaign_only] == {"campaign"}, campaign_only
    mailer_rules = {r.label: set(r.rules) for r in mailer_routes()}
    assert mailer_rules["GET /api/v1/mailings/{mailing_id}"] == {"mailing"}
    assert all(r.rules == {PUBLIC} for r in counter_routes())


# The pure rules -------------------------------------------------------------------------------

AWA = Organiser(
    id="awa", name="Awa", email="awa@example.org", role="organiser", campaign_ids=("a",)
)


def test_an_organiser_acts_on_their_campaigns_and_an_admin_on_all() -> None:
    assert AWA.may_act_on("a")
    assert not AWA.may_act_on("b")
    assert not AWA.may_act_on_all(["a", "b"])
    assert AWA.may_act_on_any(["a", "b"])
    assert ADMIN.may_act_on("b")
    assert ADMIN.may_act_on_all(["a", "b"])
    assert ADMIN.may_act_on_any([])


def test_a_shared_partner_keeps_the_campaigns_an_organiser_does_not_see() -> None:
    assert partner_campaigns_after(AWA, ("a", "b"), ["a"]) == ("b", "a")
    assert partner_campaigns_after(ADMIN, ("a", "b"), ["c"]) == ("c",)
    with pytest.raises(Forbidden):
        partner_campaigns_after(AWA, ("a",), ["a", "b"])
    check_partner_details_change(AWA, ["a"])
    with pytest.raises(Forbidden):
        check_partner_details_change(AWA, ["a", "b"])
