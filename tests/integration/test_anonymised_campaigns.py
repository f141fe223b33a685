"""An anonymised campaign stays closed: against a real signup-api, no change of its dates and no
`open` reopens it (a 409 with its reason, the campaign document untouched), while a campaign
closed but not anonymised can still be reopened, and harmless changes still apply."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo import MongoClient

from devstack.harness.signup import SignupService, signup_api
from mobilise_runtime.mongo import Document, ServiceDatabase
from mobilise_runtime.settings import SharedSettings
from signup.repository.anonymisation import AnonymisationRepository


@pytest.fixture
def signup(shared_settings: SharedSettings, database: ServiceDatabase) -> Iterator[SignupService]:
    with signup_api(shared_settings, database.db.name) as service:
        yield service


def stored(service: SignupService, campaign: dict[str, Any]) -> Document | None:
    client: MongoClient[Document] = MongoClient(service.shared.mongo_url)
    try:
        return client[service.database]["campaigns"].find_one({"_id": campaign["id"]})
    finally:
        client.close()


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


async def test_an_anonymised_campaign_cannot_be_reopened(
    signup: SignupService, database: ServiceDatabase
) -> None:
    now = datetime.now(UTC)
    anonymised = signup.create_campaign(closes_at=iso(now + timedelta(days=1)))
    closed = signup.create_campaign(closes_at=iso(now + timedelta(days=1)))
    # signup-retention's marker, as a run two days after the close would set it on the first;
    # the second is only closed by its organiser.
    marked = await AnonymisationRepository(database.db).mark_closed_before(
        now + timedelta(days=2), now=now
    )
    assert marked == 2
    await database.db["campaigns"].update_one(
        {"_id": closed["id"]}, {"$unset": {"anonymised_at": ""}}
    )
    before = stored(signup, anonymised)
    later = iso(now + timedelta(days=365))

    with signup.client(organiser=True) as c:
        slug = anonymised["slug"]
        for refused in (
            c.patch(f"/api/v1/campaigns/{slug}", json={"closes_at": later}),
            c.patch(f"/api/v1/campaigns/{slug}", json={"closes_at": None}),
            c.patch(f"/api/v1/campaigns/{slug}", json={"opens_at": iso(now), "goal": 7}),
            c.post(f"/api/v1/campaigns/{slug}/open"),
        ):
            assert refused.status_code == 409, refused.text
            assert "anonymised" in refused.json()["detail"]
        assert stored(signup, anonymised) == before
        assert c.get(f"/api/v1/campaigns/{slug}").json()["status"] == "closed"

        # Closing it again and changing what takes no signup still work.
        assert c.post(f"/api/v1/campaigns/{slug}/close").status_code == 200
        changed = c.patch(f"/api/v1/campaigns/{slug}", json={"goal": 7})
        assert (changed.status_code, changed.json()["goal"]) == (200, 7)

        # A campaign closed by its organiser, not anonymised, opens again.
        other = closed["slug"]
        assert c.patch(f"/api/v1/campaigns/{other}", json={"closes_at": later}).status_code == 200
        assert c.post(f"/api/v1/campaigns/{other}/open").status_code == 200
        assert c.get(f"/api/v1/campaigns/{other}").json()["status"] == "open"

        missing = c.patch("/api/v1/campaigns/no-such-campaign", json={"closes_at": later})
        assert missing.status_code == 404, missing.text
