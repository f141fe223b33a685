"""The role matrix against a real signup-api and mailer-api: what an organiser may do on their
campaigns, what only an admin may do, changes (revocation, campaigns given and taken away) that
hold in every service from the next request, shared partners, organisers from before roles, the
CLI."""

from __future__ import annotations

import secrets
import subprocess
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from devstack.config import StackConfig
from devstack.harness.processes import SCRIPTS, service_env
from devstack.harness.signup import ADMIN_TOKEN
from signup.repository.organisers import token_hash
from tests.access_world import MAILING, World, access_world, new_organiser, refused


@pytest.fixture(scope="module")
async def world(stack: StackConfig) -> AsyncIterator[World]:
    async with access_world(stack) as built:
        yield built


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
            refused(await admin_only, 403, "an organiser on an admin route")
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
        refused(await c.get(f"/api/v1/campaigns/{theirs}/supporters.csv"), 403, "taken away")
    async with world.client("mailer", world.awa.token) as c:
        again = await c.post("/api/v1/mailings", json={"campaign": theirs, **MAILING})
        progress = await c.get(f"/api/v1/mailings/{mailed.json()['mailing_id']}")
    refused(again, 403, "mailing a campaign taken away")
    refused(progress, 404, "the progress of a mailing of a campaign taken away")


async def test_a_revoked_token_stops_working_at_once_in_every_service(world: World) -> None:
    """The mailer used to keep a positive answer 30 s: a revoked organiser could still mail."""
    async with world.client("signup", ADMIN_TOKEN) as admin:
        fatou = await new_organiser(admin, "Fatou", [world.mine["slug"]])
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
    for response in (progress, mailing, me):
        refused(response, 401, "a revoked token")
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
    refused(again, 409, "a second organiser with the same email")
    for invalid in (unknown_campaign, past, bad_role):
        refused(invalid, 422, "an invalid organiser")
    refused(missing, 404, "an unknown organiser")
    refused(gone, 404, "an unknown organiser")
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
    refused(after, 403, "an admin who demoted herself")


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
    refused(renamed, 403, "renaming a partner other organisers share")
    refused(grabbed, 403, "giving a partner someone else's campaign")
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
    refused(other, 403, "a legacy organiser on a campaign they did not create")
    refused(admin_only, 403, "a legacy organiser managing organisers")


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
        status: int = response.status_code
        return status

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
