"""A supporter's newsletter choice whatever order signup-projector reads her signups and
unsubscriptions in (they travel on different topics, and replays read them again): through a
real signup-projector on Kafka into the CSV and GDPR exports, and the projector over every order
of her events against FerretDB. The same orders on an in-memory store:
tests/unit/test_projector_orders.py."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from devstack.harness.events import as_batch, signed
from devstack.harness.processes import running
from devstack.harness.signup import SignupService, projector_env
from mobilise_events import Event, Signup, SignupConfirmed, SupporterErased, SupporterUnsubscribed
from mobilise_runtime.kafka import EventPublisher
from mobilise_runtime.mongo import Document, ServiceDatabase
from signup.entrypoints.projector import Projector
from signup.repository import Repository
from tests.integration.test_signup_records import export

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=10)


def at(day: int) -> datetime:
    return T0 + timedelta(days=day)


def rows_until(
    service: SignupService, slug: str, ready: Callable[[dict[str, dict[str, str]]], bool]
) -> dict[str, dict[str, str]]:
    """The CSV export's rows by email, once `ready` (30 s at most: then as they are)."""
    deadline = time.monotonic() + 30
    while True:
        rows = {r["email"]: r for r in export(service, slug)}
        if ready(rows) or time.monotonic() > deadline:
            return rows
        time.sleep(0.2)


async def test_a_signup_read_after_a_newer_unsubscription_is_exported_unsubscribed(
    signup: SignupService,
) -> None:
    """Awa signed (day 1), signed again (day 2) and then unsubscribed (day 3), but the projector
    reads her second signup last; Bea's unsubscription from every campaign (day 2) is read
    before her signup (day 1). Both are exported without the newsletter."""
    campaign = signup.create_campaign(kind="pledge")
    cid, slug = campaign["id"], campaign["slug"]

    def pledge(email: str, key: str, day: int) -> Event:
        return signed(
            campaign_id=cid, campaign_slug=slug, supporter_key=key, email=email,
            newsletter_opt_in=True, occurred_at=at(day),
        )  # fmt: skip

    shared = signup.shared
    publisher = EventPublisher(shared.kafka_bootstrap, prefix=shared.topic_prefix, client_id="t")
    await publisher.start()

    async def publish(event: Event, key: str = cid) -> None:
        await publisher.publish(event, key=key)

    try:
        with running("signup-projector", projector_env(signup)):
            await publish(pledge("awa@example.org", "k-awa", 1))
            await publish(pledge("cyd@example.org", "k-cyd", 1))
            rows = rows_until(signup, slug, lambda r: len(r) == 2)
            assert rows["awa@example.org"]["newsletter_opt_in"] == "True"
            # Bea's unsubscription, then Cyd's on the same partition (key ""): Cyd's shown
            # unsubscribed means Bea's was read too.
            for email in ("bea@example.org", "cyd@example.org"):
                await publish(SupporterUnsubscribed(email=email, occurred_at=at(2)), key="")
            await publish(SupporterUnsubscribed(email="awa@example.org", campaign_id=cid,
                                                occurred_at=at(3)))  # fmt: skip
            rows_until(
                signup,
                slug,
                lambda r: (
                    r["awa@example.org"]["newsletter_opt_in"] == "False"
                    and r["cyd@example.org"]["newsletter_opt_in"] == "False"
                ),
            )
            await publish(pledge("awa@example.org", "k-awa", 2))
            await publish(pledge("bea@example.org", "k-bea", 1))
            rows = rows_until(
                signup,
                slug,
                lambda r: (
                    "bea@example.org" in r
                    and r["awa@example.org"]["consented_at"] == at(2).isoformat()
                ),
            )
            assert rows["awa@example.org"]["consented_at"] == at(2).isoformat()
            assert {e: r["newsletter_opt_in"] for e, r in rows.items()} == {
                "awa@example.org": "False",
                "bea@example.org": "False",
                "cyd@example.org": "False",
            }
            with signup.client(organiser=True) as c:
                response = c.post("/api/v1/supporters/export", json={"email": "awa@example.org"})
            assert response.status_code == 200, response.text
            [record] = response.json()["records"]
            assert (record["newsletter_opt_in"], len(record["consents"])) == (False, 2)
            assert datetime.fromisoformat(record["unsubscribed_at"]) == at(3)
    finally:
        await publisher.stop()


def _events(campaign_id: str, email: str) -> list[Event]:
    """A signup with the newsletter (day 1), an unsubscription from every campaign (day 2),
    another signup with it (day 3), an unsubscription from this campaign (day 4)."""

    def pledge(day: int) -> Event:
        return signed(campaign_id=campaign_id, email=email, occurred_at=at(day))

    return [
        pledge(1),
        SupporterUnsubscribed(email=email, occurred_at=at(2)),
        pledge(3),
        SupporterUnsubscribed(email=email, campaign_id=campaign_id, occurred_at=at(4)),
    ]


def _readable(record: Document | None) -> dict[str, Any] | None:
    if record is None:
        return None
    kept = ("newsletter_opt_in", "unsubscribed_at", "signed_at")
    consents = sorted(c["at"] for c in record["consents"])
    return {k: record.get(k) for k in kept} | {"consents": consents}


async def _read(repository: Repository, email: str) -> dict[str, Any] | None:
    records = await repository.supporters.of_email(email)
    assert len(records) <= 1
    return _readable(records[0]) if records else None


async def test_every_order_of_the_events_gives_the_same_record_on_ferretdb(
    database: ServiceDatabase,
) -> None:
    repository = Repository(database)
    await repository.ensure_indexes()
    projector = Projector(repository, b"secret")
    expected = {
        "newsletter_opt_in": False,
        "unsubscribed_at": at(4),
        "signed_at": at(1),
        "consents": [at(1), at(3)],
    }
    for n, order in enumerate(itertools.permutations(range(4))):
        # Each order on a person and a campaign of its own.
        email, campaign_id = f"awa.{n}@example.org", f"c-{n}"
        events = _events(campaign_id, email)
        for i in order:
            await projector.apply(as_batch(events[i]))
        assert await _read(repository, email) == expected, order
        await projector.apply(as_batch(*(events[i] for i in order)))  # replayed
        assert await _read(repository, email) == expected, order


async def test_an_erasure_in_any_order_leaves_only_the_consent_given_after_it(
    database: ServiceDatabase,
) -> None:
    """Signup (day 1), unsubscription (day 2), erasure (day 3), a new signup (day 4): the
    record holds the new consent alone, with the newsletter, and no unsubscription of before."""
    repository = Repository(database)
    await repository.ensure_indexes()
    projector = Projector(repository, b"secret")
    for n, order in enumerate(itertools.permutations(range(4))):
        email, campaign_id = f"bea.{n}@example.org", f"c-{n}"
        first, unsubscribed, again = _events(campaign_id, email)[:3]
        erased = SupporterErased(email=email, occurred_at=at(2) + timedelta(hours=1))
        events = [first, unsubscribed, erased, again]
        for i in order:
            await projector.apply(as_batch(events[i]))
        record = await _read(repository, email)
        assert record == {
            "newsletter_opt_in": True,
            "unsubscribed_at": None,
            "signed_at": at(3),
            "consents": [at(3)],
        }, order
    left = await database.db["unsubscriptions"].count_documents({})
    assert left == 0, "an erased person's unsubscriptions are forgotten"


async def test_a_confirmation_before_an_erasure_confirms_no_signup_after_it(
    database: ServiceDatabase,
) -> None:
    """Signup (day 1), its confirmation (day 2), erasure, a new signup (day 3), in any order:
    the new signup is not confirmed (nobody confirmed it), whether the confirmation was read
    before the erasure or after it (which leaves it on a record of no signup)."""
    repository = Repository(database)
    await repository.ensure_indexes()
    projector = Projector(repository, b"secret")
    for n, order in enumerate(itertools.permutations(range(4))):
        email, campaign_id = f"cyd.{n}@example.org", f"c-{n}"
        first, _, again, _ = _events(campaign_id, email)
        assert isinstance(first, Signup)
        confirmed = SignupConfirmed(
            signup_id=first.signup_id, campaign_id=campaign_id, supporter_key=first.supporter_key,
            occurred_at=at(2),
        )  # fmt: skip
        erased = SupporterErased(email=email, occurred_at=at(2) + timedelta(hours=1))
        events = [first, confirmed, erased, again]
        for i in order:
            await projector.apply(as_batch(events[i]))
        [record] = await repository.supporters.of_email(email)
        assert (record.get("confirmed", False), record.get("confirmed_at")) == (False, None), order
        assert [c["at"] for c in record["consents"]] == [at(3)], order
