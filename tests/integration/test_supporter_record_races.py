"""Writers of one supporter record racing on the real store, each through its own client as
separate processes would: the projector process of the campaign's partition (signups,
confirmations), the one reading the unsubscription or erasure topic's partition, and
signup-retention dropping old client networks. FerretDB 1.24 writes a filtered update back whole
(the last write stays, another's change is lost); every writer holds the record's lock."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from devstack.harness.events import signed
from mobilise_events import SignupConfirmed
from mobilise_runtime.mongo import Document, ServiceDatabase
from signup.domain.emails import canonical_email
from signup.repository import Repository, SupporterRepository
from signup.repository.supporters import Write, supporter_record
from tests.integration.racing import together

TRIALS = 8  # each on a new record: one lost write in any fails
SIGNED = datetime(2026, 1, 5, 9, tzinfo=UTC)
ERASED = SIGNED + timedelta(days=1)
SIGNED_AGAIN = SIGNED + timedelta(days=2)
UNSUBSCRIBED = SIGNED + timedelta(days=3)


@pytest.fixture
def repositories(racers: list[ServiceDatabase]) -> list[Repository]:
    return [Repository(r) for r in racers]


FIRST = uuid.uuid4()  # the first signup's id, in every trial (each has a record of its own)


def first_signup(campaign_id: str, email: str) -> Write:
    return SupporterRepository.signed(
        signed(campaign_id=campaign_id, email=email, occurred_at=SIGNED,
               client_network="198.51.100.0/24", signup_id=FIRST)
    )  # fmt: skip


async def record(database: ServiceDatabase, campaign_id: str) -> Document:
    found = await database.db["supporters"].find_one({"campaign_id": campaign_id})
    return {} if found is None else supporter_record(found)


async def test_a_confirmation_an_unsubscription_a_signup_and_retention_racing_all_stay(
    database: ServiceDatabase, repositories: list[Repository]
) -> None:
    """Awa's second signup (no newsletter this time), her confirmation, her unsubscription and
    retention's dropping of networks signed months ago, all at once: every change is there."""
    for trial in range(TRIALS):
        campaign_id, email = f"c-{uuid.uuid4().hex[:8]}", f"awa.{trial}@example.org"
        await repositories[0].supporters.apply([first_signup(campaign_id, email)])
        confirmed = SignupConfirmed(signup_id=FIRST, campaign_id=campaign_id, supporter_key="k-awa")
        again = signed(
            campaign_id=campaign_id, email=email, occurred_at=SIGNED_AGAIN, newsletter_opt_in=False
        )
        await together(
            (),
            [
                repositories[0].supporters.apply([SupporterRepository.confirmed(confirmed)]),
                repositories[1].supporters.apply(
                    [SupporterRepository.unsubscribed(email, campaign_id, UNSUBSCRIBED)]
                ),
                repositories[2].supporters.apply([SupporterRepository.signed(again)]),
                repositories[3].anonymisation.forget_networks(SIGNED + timedelta(hours=1)),
            ],
        )
        doc = await record(database, campaign_id)
        assert doc.get("confirmed") is True, (trial, doc)
        assert (doc["newsletter_opt_in"], doc.get("unsubscribed_at")) == (
            False,
            UNSUBSCRIBED,
        ), (trial, doc)
        assert len(doc["consents"]) == 2, (trial, doc)
        assert "client_networks" not in doc, (trial, doc)


async def test_an_erasure_racing_a_newer_signup_keeps_the_new_consent_only(
    database: ServiceDatabase, repositories: list[Repository]
) -> None:
    """Awa is erased while her new signup (after the erasure: a new consent) is projected by
    another process: whichever comes first, her record holds the new consent and no other."""
    for trial in range(TRIALS):
        campaign_id, email = f"c-{uuid.uuid4().hex[:8]}", f"awa.{trial}@example.org"
        await repositories[0].supporters.apply([first_signup(campaign_id, email)])
        again = signed(campaign_id=campaign_id, email=email, occurred_at=SIGNED_AGAIN)
        await together(
            (),
            [
                repositories[0].supporters.erase(
                    canonical_email(email), [(campaign_id, "k-awa")], ERASED
                ),
                repositories[1].supporters.apply([SupporterRepository.signed(again)]),
            ],
        )
        doc = await record(database, campaign_id)
        assert [c["signup_id"] for c in doc.get("consents", [])] == [str(again.signup_id)], (
            trial,
            doc,
        )
        assert doc["signed_at"] == SIGNED_AGAIN, (trial, doc)
