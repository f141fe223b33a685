"""An access request reaches the mailer's data: a real `mailer-api` (with a real `signup-api`
for organiser tokens) answers everything it holds about an address — recipients, suppressions
and their reasons, what was sent when, the erasure — and nothing about anyone else."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest

from devstack.config import StackConfig
from devstack.harness.processes import free_port, running, service_env
from devstack.harness.signup import signup_api
from mailer.domain.addresses import AddressHasher
from mobilise_runtime.mongo import ServiceDatabase
from mobilise_runtime.settings import SharedSettings
from signup.repository.organisers import OrganiserRepository

HASH_KEY = "test-export-key"
EMAIL = "Awa.Diop@Example.org"
AT = datetime(2026, 5, 1, 9, tzinfo=UTC)


@dataclass
class Services:
    mailer: httpx.AsyncClient
    signup: httpx.AsyncClient
    mailer_db: ServiceDatabase


@pytest.fixture
async def services(
    stack: StackConfig, shared_settings: SharedSettings, database: ServiceDatabase
) -> AsyncIterator[Services]:
    """A signup-api that asks the mailer-api for its part of an export, and that mailer-api,
    which asks the signup-api whose token it is."""
    mailer_db = ServiceDatabase(stack.mongo_url, f"{database.db.name}_mailer", app_name="tests")
    port = free_port()
    mailer_url = f"http://127.0.0.1:{port}"
    try:
        with signup_api(shared_settings, database.db.name, SIGNUP_MAILER_URL=mailer_url) as signup:
            env = service_env(
                shared_settings,
                MAILER_PORT=str(port),
                MAILER_MONGO_DATABASE=mailer_db.db.name,
                MAILER_SIGNUP_API_URL=signup.url,
                MAILER_EMAIL_HASH_KEY=HASH_KEY,
            )
            with running("mailer-api", env) as process:
                assert process.wait_http(f"{mailer_url}/readyz", timeout=60).status_code == 200
                # Access requests span every campaign: an admin's.
                _, token = await OrganiserRepository(database.db).create(
                    name="Org",
                    email=f"org-{uuid.uuid4().hex[:6]}@example.org",
                    now=AT,
                    role="admin",
                )
                headers = {"Authorization": f"Bearer {token}"}
                async with (
                    httpx.AsyncClient(base_url=mailer_url, headers=headers, timeout=30) as mailer,
                    httpx.AsyncClient(base_url=signup.url, headers=headers, timeout=30) as su,
                ):
                    yield Services(mailer, su, mailer_db)
    finally:
        await mailer_db.client.drop_database(mailer_db.db.name)
        await mailer_db.close()


async def test_an_access_request_returns_what_the_mailer_holds_about_the_address(
    services: Services,
) -> None:
    client, db = services.mailer, services.mailer_db
    awa, other = (
        AddressHasher(HASH_KEY.encode())(EMAIL),
        AddressHasher(HASH_KEY.encode())("x@b.org"),
    )
    await db.db["recipients"].insert_many(
        [{"_id": "c-1:k-awa", "campaign_id": "c-1", "supporter_key": "k-awa", "email": EMAIL,
          "email_hash": awa, "first_name": "Awa", "locale": "fr", "country": "SN",
          "newsletter_opt_in": True, "confirmed": True, "unsubscribe_token": "secret",
          "signed_at": AT},
         {"_id": "c-1:k-x", "campaign_id": "c-1", "supporter_key": "k-x", "email": "x@b.org",
          "email_hash": other, "first_name": "X", "signed_at": AT}]
    )  # fmt: skip
    await db.db["suppressions"].insert_one(
        {"_id": f"c-1:{awa}", "scope": "c-1", "campaign_id": "c-1", "email_hash": awa,
         "reason": "bounce", "source": "webhook", "suppressed_at": AT}
    )  # fmt: skip
    await db.db["mail_log"].insert_many(
        [{"_id": "welcome:c-1:k-awa", "batch_id": "b", "campaign_id": "c-1",
          "supporter_key": "k-awa", "claimed_at": AT},
         {"_id": "welcome:c-1:k-x", "batch_id": "b", "campaign_id": "c-1",
          "supporter_key": "k-x", "claimed_at": AT}]
    )  # fmt: skip

    response = await client.post(
        "/api/v1/supporters/export", json={"email": "awa.diop@EXAMPLE.org"}
    )
    assert response.status_code == 200, response.text
    held = response.json()
    assert held["source"] == "mailer"
    [recipient] = held["recipients"]
    assert recipient["email"] == EMAIL
    assert recipient["first_name"] == "Awa"
    assert recipient["link_tokens_held"] == ["unsubscribe_token"]
    assert "secret" not in response.text
    assert [(s["campaign_id"], s["reason"]) for s in held["suppressions"]] == [("c-1", "bounce")]
    assert [m["message"] for m in held["mails"]] == ["welcome:c-1"]
    assert held["erased_at"] is None
    assert "x@b.org" not in response.text

    unknown = await client.post("/api/v1/supporters/export", json={"email": "nobody@example.org"})
    assert unknown.status_code == 200
    assert (unknown.json()["recipients"], unknown.json()["mails"]) == ([], [])
    anonymous = httpx.AsyncClient(base_url=str(client.base_url))
    async with anonymous:
        refused = await anonymous.post("/api/v1/supporters/export", json={"email": EMAIL})
    assert refused.status_code == 401

    # The signup service's export gathers it: one document, both services' data.
    both = await services.signup.post("/api/v1/supporters/export", json={"email": EMAIL})
    assert both.status_code == 200, both.text
    assert both.json()["records"] == []
    assert both.json()["mailer"]["recipients"][0]["email"] == EMAIL
    assert both.json()["mailer"]["suppressions"][0]["reason"] == "bounce"
