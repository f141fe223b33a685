"""Closed campaigns anonymised: signup-retention and mailer-retention leave no document that holds
the address (or the name, or the supporter key) of a supporter of a campaign closed long enough,
keep every other campaign's data, change nothing when run again, and a replayed old signup of the
closed campaign brings nothing back. The projector and the mailer's consumer run against the real
FerretDB; Celery and the signup service (titles, closes_at) are small stand-ins."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import bson
import pytest

from counter.application.apply import BatchApplier
from counter.repository.ledger import LedgerRepository
from counter.repository.totals import TotalsRepository
from devstack.config import StackConfig
from devstack.harness.events import signed
from mailer.adapters.signup_client import Campaign
from mailer.application.anonymisation import anonymise_closed
from mailer.domain.addresses import AddressHasher
from mailer.repository.sending import SendingStore, connect
from mobilise_events import PledgeSigned, SupporterUnsubscribed
from mobilise_runtime.errors import NotFound
from mobilise_runtime.mongo import ServiceDatabase
from mobilise_runtime.retention import RetentionPolicy
from signup.entrypoints.projector import Projector
from signup.entrypoints.retention import anonymise
from signup.repository import Repository
from signup.repository.anonymisation import AnonymisationRepository
from tests.integration.test_erasure_order import Tasks, batch, mailer_consumer

NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)
SIGNED = NOW - timedelta(days=400)
EMAIL = "Awa.Diop@Example.org"
CLOSED = {"_id": "c-closed", "slug": "closed-long-ago", "closes_at": NOW - timedelta(days=181)}
RECENT = {"_id": "c-recent", "slug": "closed-lately", "closes_at": NOW - timedelta(days=179)}
OPEN = {"_id": "c-open", "slug": "still-open", "closes_at": None}
CAMPAIGNS = (CLOSED, RECENT, OPEN)


def signup(campaign: dict[str, Any], at: datetime = SIGNED) -> PledgeSigned:
    return signed(
        campaign_id=campaign["_id"], campaign_slug=campaign["slug"],
        supporter_key=f"key-of-awa-in-{campaign['_id']}", email=EMAIL, last_name="Diop",
        country="SN", region="SN-DK", unsubscribe_token=f"unsubscribe-{campaign['_id']}",
        occurred_at=at,
    )  # fmt: skip


class SignupService:
    """The signup service's public campaigns, as mailer-retention asks for them."""

    async def campaign(self, slug: str) -> Campaign:
        for c in CAMPAIGNS:
            if c["slug"] == slug:
                title = {"fr": slug, "en": slug}
                return Campaign(id=c["_id"], slug=slug, title=title, closes_at=c["closes_at"])
        raise NotFound(f"no campaign {slug!r}")


async def service_db(stack: StackConfig, name: str) -> AsyncIterator[ServiceDatabase]:
    db = ServiceDatabase(stack.mongo_url, name, app_name="tests")
    yield db
    await db.client.drop_database(db.db.name)
    await db.close()


@pytest.fixture
async def mailer_db(stack: StackConfig, unique: str) -> AsyncIterator[ServiceDatabase]:
    async for db in service_db(stack, f"test_{unique}_mailer"):
        yield db


@pytest.fixture
async def counter_db(stack: StackConfig, unique: str) -> AsyncIterator[ServiceDatabase]:
    async for db in service_db(stack, f"test_{unique}_counter"):
        yield db


async def stored_bytes(database: ServiceDatabase) -> dict[str, list[bytes]]:
    names = sorted(await database.db.list_collection_names())
    return {n: [bson.encode(d) async for d in database.db[n].find().sort("_id", 1)] for n in names}


async def everything(database: ServiceDatabase) -> dict[str, list[dict[str, Any]]]:
    names = sorted(await database.db.list_collection_names())
    return {n: await database.db[n].find().sort("_id", 1).to_list() for n in names}


def awas(email_hash: str) -> tuple[str, ...]:
    """What would give Awa away: her address, her name, her keys, her links, her hash."""
    return (EMAIL.lower(), "diop", "key-of-awa", "unsubscribe-c-", email_hash)


def mentions(doc: dict[str, Any], campaign: dict[str, Any]) -> bool:
    """Whether the document holds anything of Awa's in that campaign."""
    text = json.dumps(doc, default=str).lower()
    hashed = AddressHasher(b"test-key")(EMAIL)
    return campaign["_id"] in text and any(s in text for s in awas(hashed))


async def test_a_campaign_closed_long_enough_keeps_no_personal_data_anywhere(
    database: ServiceDatabase,
    mailer_db: ServiceDatabase,
    counter_db: ServiceDatabase,
    stack: StackConfig,
) -> None:
    await database.db["campaigns"].insert_many([dict(c) for c in CAMPAIGNS])
    projector = Projector(Repository(database), b"secret")
    counter = BatchApplier(LedgerRepository(counter_db.db), TotalsRepository(counter_db.db),
                           prefix="")  # fmt: skip
    tasks = Tasks()
    mailer = mailer_consumer(mailer_db, tasks)
    for campaign in CAMPAIGNS:
        events = batch(
            signup(campaign),
            SupporterUnsubscribed(
                email=EMAIL, campaign_id=campaign["_id"], occurred_at=SIGNED, source="link"
            ),
        )
        await projector.apply(events)
        await mailer.handle(events)
        await counter.apply(events)
    # The welcome email of each campaign was claimed and sent (mail_log, mail_batches).
    worker = SendingStore(connect(stack.mongo_url, mailer_db.db.name))
    for spec in tasks.sent:
        worker.claim(f"welcome:{spec['campaign_id']}", spec["batch_id"], spec["campaign_id"],
                     [r["supporter_key"] for r in spec["recipients"]])  # fmt: skip
        worker.set_state(spec["batch_id"], "sent", sent=1, failed=0, suppressed=0)
    for db in (database, mailer_db):
        found = await everything(db)
        assert any(mentions(d, CLOSED) for docs in found.values() for d in docs)

    totals = await stored_bytes(counter_db)
    assert len(totals["totals"]) == 3
    policy = RetentionPolicy()
    signup_removed = await anonymise(AnonymisationRepository(database.db), policy, NOW)
    closed_before = policy.cutoff(policy.closed_campaign_days, NOW)
    mailer_removed = await anonymise_closed(mailer_db.db, SignupService(), closed_before, NOW)

    assert signup_removed == {"campaigns anonymised": 1, "supporters": 1, "client networks": 0}
    marked = await database.db["campaigns"].find_one({"_id": CLOSED["_id"]})
    assert marked is not None
    assert (marked["anonymised_at"], marked["closed"]) == (NOW, True)
    assert mailer_removed["campaigns anonymised"] == 1
    assert mailer_removed["recipients of anonymised campaigns"] == 1
    assert mailer_removed["mail_log of anonymised campaigns"] == 1
    assert mailer_removed["suppressions of anonymised campaigns"] == 1
    for db in (database, mailer_db):
        found = await everything(db)
        left = [d for docs in found.values() for d in docs if mentions(d, CLOSED)]
        assert left == []
        # The other campaigns' supporters are all still there.
        for other in (RECENT, OPEN):
            assert any(mentions(d, other) for docs in found.values() for d in docs)
    # Totals, history and per-region counts: byte for byte what they were.
    assert await stored_bytes(counter_db) == totals
    before = {"signup": await everything(database), "mailer": await everything(mailer_db)}

    # Replayed old events of the closed campaign bring nothing back.
    sent_before = len(tasks.sent)
    replay = batch(signup(CLOSED))
    await projector.apply(replay)
    await mailer.handle(replay)
    assert len(tasks.sent) == sent_before
    # Run again: nothing to do, nothing changed.
    again = await anonymise(AnonymisationRepository(database.db), policy, NOW)
    mailer_again = await anonymise_closed(mailer_db.db, SignupService(), closed_before, NOW)
    assert set(again.values()) | set(mailer_again.values()) == {0}
    assert {"signup": await everything(database), "mailer": await everything(mailer_db)} == before


async def test_client_networks_are_dropped_after_their_retention_and_only_them(
    database: ServiceDatabase,
) -> None:
    policy = RetentionPolicy()
    old = NOW - timedelta(days=policy.client_network_days + 1)
    recent = NOW - timedelta(days=policy.client_network_days - 1)
    records = [
        {"_id": "c:old", "campaign_id": "c", "email": "a@example.org", "signed_at": old,
         "client_networks": ["203.0.113.0/24"]},
        {"_id": "c:recent", "campaign_id": "c", "email": "b@example.org", "signed_at": recent,
         "client_networks": ["2001:db8:1::/48"]},
    ]  # fmt: skip
    await database.db["supporters"].insert_many(records)
    removed = await anonymise(AnonymisationRepository(database.db), policy, NOW)
    assert removed["client networks"] == 1
    found = {d["_id"]: d async for d in database.db["supporters"].find()}
    assert "client_networks" not in found["c:old"]
    assert found["c:old"]["email"] == "a@example.org"
    assert found["c:recent"]["client_networks"] == ["2001:db8:1::/48"]
    again = await anonymise(AnonymisationRepository(database.db), policy, NOW)
    assert again["client networks"] == 0
