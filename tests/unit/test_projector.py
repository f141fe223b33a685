"""signup-projector's orchestration against small typed fakes of its repositories: the order of
a batch's effects (tombstones, then deletions, then the supporter writes) and which signups an
erasure drops. Against FerretDB: tests/integration/test_erasure_order.py."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import cast

from mobilise_events import (
    ErasedSignup,
    Event,
    PledgeSigned,
    SignupConfirmed,
    SupporterErased,
    SupporterUnsubscribed,
)
from mobilise_runtime.kafka import Received
from signup.domain.emails import canonical_email
from signup.domain.supporters import person_key
from signup.projector import Projector
from signup.repository import Repository
from signup.repository.supporters import Write

SECRET = b"unit"
T1 = datetime(2026, 3, 1, 9, tzinfo=UTC)
ERASED_AT = T1 + timedelta(days=1)
T3 = ERASED_AT + timedelta(days=1)
EMAIL = "Awa@Example.org"


class Journal:
    """What the fakes were asked, in order."""

    def __init__(self) -> None:
        self.steps: list[str] = []
        self.writes: list[Write] = []
        self.tombstones: dict[str, datetime] = {}


class FakeSupporters:
    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    async def erase(self, canonical: str, records: Sequence[tuple[str, str]], at: datetime) -> None:
        self._journal.steps.append(f"erase {canonical}")

    async def apply(self, writes: Sequence[Write]) -> None:
        self._journal.steps.append(f"apply {len(writes)}")
        self._journal.writes += writes


class FakeErasures:
    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    async def record(self, erasures: Iterable[tuple[str, datetime]]) -> None:
        recorded = list(erasures)
        self._journal.steps.append(f"tombstones {len(recorded)}")
        self._journal.tombstones.update(recorded)

    async def erased_at(self, hashes: Iterable[str]) -> dict[str, datetime]:
        tombstones = self._journal.tombstones
        return {h: tombstones[h] for h in hashes if h in tombstones}


class FakeAnonymisation:
    async def kept(self, batch: Sequence[Received]) -> list[Received]:
        return list(batch)


class FakeRepository:
    def __init__(self, journal: Journal) -> None:
        self.supporters = FakeSupporters(journal)
        self.erasures = FakeErasures(journal)
        self.anonymisation = FakeAnonymisation()


def projector() -> tuple[Projector, Journal]:
    journal = Journal()
    return Projector(cast(Repository, FakeRepository(journal)), SECRET), journal


def pledge(at: datetime, key: str = "k-awa") -> PledgeSigned:
    return PledgeSigned(
        signup_id=uuid.uuid4(),
        campaign_id="c-1",
        campaign_slug="women-in-tech",
        supporter_key=key,
        email=EMAIL,
        first_name="Awa",
        country="FR",
        locale="fr",
        newsletter_opt_in=True,
        consent_text_version="v1",
        double_opt_in=False,
        unsubscribe_token="u",
        occurred_at=at,
    )


def erasure() -> SupporterErased:
    return SupporterErased(
        email=EMAIL,
        signups=(ErasedSignup(campaign_id="c-1", supporter_key="k-awa"),),
        occurred_at=ERASED_AT,
    )


def batch(*events: Event) -> list[Received]:
    return [Received(e, e.topic, 0, n) for n, e in enumerate(events)]


async def test_an_erasure_writes_its_tombstone_then_deletes_then_the_rest_is_written() -> None:
    handler, journal = projector()
    await handler.apply(batch(pledge(T1), erasure(), pledge(T3)))
    erase = f"erase {canonical_email(EMAIL)}"
    # The last step: the re-check after writing, deleting what the dropped signup's key left.
    assert journal.steps == ["tombstones 1", erase, "apply 1", erase]
    assert journal.tombstones == {person_key(SECRET, canonical_email(EMAIL)): ERASED_AT}


async def test_a_signup_older_than_a_tombstone_read_before_is_dropped() -> None:
    handler, journal = projector()
    await handler.apply(batch(erasure()))
    await handler.apply(batch(pledge(T1)))
    assert journal.steps[-2:] == ["apply 0", f"erase {canonical_email(EMAIL)}"]


async def test_confirmations_and_unsubscribes_are_written_from_the_table() -> None:
    handler, journal = projector()
    confirmed = SignupConfirmed(
        signup_id=uuid.uuid4(), campaign_id="c-1", supporter_key="k-awa", occurred_at=T3
    )
    unsubscribed = SupporterUnsubscribed(
        email=EMAIL, campaign_id="c-1", source="link", occurred_at=T3
    )
    await handler.apply(batch(pledge(T1), confirmed, unsubscribed))
    assert journal.steps == ["tombstones 0", "apply 3"]
