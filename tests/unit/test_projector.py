"""signup-projector's orchestration against small typed fakes of its repositories: the order of
a batch's effects (tombstones, then deletions, then the supporter writes) and which signups an
erasure drops. Against FerretDB: tests/integration/test_erasure_order.py."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import cast

from devstack.harness.events import as_batch, signed
from mobilise_events import (
    Event,
    PledgeSigned,
    SignupConfirmed,
    SignupsInvalidated,
    SupporterUnsubscribed,
    VolunteerRegistered,
)
from mobilise_runtime.kafka import Received
from signup.domain.emails import canonical_email
from signup.domain.supporters import person_key
from signup.entrypoints.projector import ERASURES, TOPICS, WRITES, Projector, writes_for
from signup.repository import Repository
from signup.repository.supporters import Write
from signup.repository.unsubscriptions import Unsubscription
from tests.erasure_timeline import ERASED_AT, T1, T3
from tests.erasure_timeline import erasure as timeline_erasure

SECRET = b"unit"
EMAIL = "Awa@Example.org"  # its canonical form is the one the tombstone is keyed by


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


class FakeUnsubscriptions:
    def __init__(self, journal: Journal) -> None:
        self._journal = journal
        self.kept: list[Unsubscription] = []
        # Kept by another process once this one has read them the first time.
        self.after_first_read: Unsubscription | None = None

    async def record(self, unsubscriptions: Iterable[Unsubscription]) -> None:
        recorded = list(unsubscriptions)
        if recorded:
            self._journal.steps.append(f"unsubscriptions {len(recorded)}")
            self.kept += recorded

    async def of_people(self, people: Iterable[str]) -> list[Unsubscription]:
        wanted = set(people)
        found = [u for u in self.kept if u[0] in wanted]
        if self.after_first_read is not None:
            self.kept.append(self.after_first_read)
            self.after_first_read = None
        return found

    async def forget(self, person: str, until: datetime) -> None:
        self._journal.steps.append("forget unsubscriptions")


class FakeAnonymisation:
    def __init__(self) -> None:
        self.closed: set[str] = set()  # anonymised campaigns

    async def kept(self, batch: Sequence[Received]) -> list[Received]:
        return [r for r in batch if getattr(r.event, "campaign_id", None) not in self.closed]


class FakeRepository:
    def __init__(self, journal: Journal) -> None:
        self.supporters = FakeSupporters(journal)
        self.erasures = FakeErasures(journal)
        self.unsubscriptions = FakeUnsubscriptions(journal)
        self.anonymisation = FakeAnonymisation()


def projector(*, anonymised: str | None = None) -> tuple[Projector, Journal]:
    journal = Journal()
    repository = FakeRepository(journal)
    if anonymised is not None:
        repository.anonymisation.closed.add(anonymised)
    return Projector(cast(Repository, repository), SECRET), journal


def pledge(at: datetime) -> PledgeSigned:
    return signed(email=EMAIL, occurred_at=at)


def erasure() -> Event:
    return timeline_erasure("k-awa", email=EMAIL)


async def test_an_erasure_writes_its_tombstone_then_deletes_then_the_rest_is_written() -> None:
    handler, journal = projector()
    await handler.apply(as_batch(pledge(T1), erasure(), pledge(T3)))
    erase = f"erase {canonical_email(EMAIL)}"
    # The last step: the re-check after writing, deleting what the dropped signup's key left.
    assert journal.steps == ["tombstones 1", erase, "forget unsubscriptions", "apply 1", erase]
    assert journal.tombstones == {person_key(SECRET, canonical_email(EMAIL)): ERASED_AT}


async def test_a_signup_older_than_a_tombstone_read_before_is_dropped() -> None:
    handler, journal = projector()
    await handler.apply(as_batch(erasure()))
    await handler.apply(as_batch(pledge(T1)))
    assert journal.steps[-2:] == ["apply 0", f"erase {canonical_email(EMAIL)}"]


async def test_confirmations_and_unsubscribes_are_written_from_the_table() -> None:
    handler, journal = projector()
    confirmed = SignupConfirmed(
        signup_id=uuid.uuid4(), campaign_id="c-1", supporter_key="k-awa", occurred_at=T3
    )
    unsubscribed = SupporterUnsubscribed(
        email=EMAIL, campaign_id="c-1", source="link", occurred_at=T3
    )
    await handler.apply(as_batch(pledge(T1), confirmed, unsubscribed))
    # The unsubscription is kept first (a signup read later finds it); the signup's own write
    # brings it into its record, so nothing is left to copy after.
    assert journal.steps == ["tombstones 0", "unsubscriptions 1", "apply 3"]
    assert journal.writes[0].update["$max"] == {"unsubscribed_at": T3}


async def test_an_unsubscription_kept_meanwhile_by_another_process_reaches_the_record() -> None:
    journal = Journal()
    repository = FakeRepository(journal)
    repository.unsubscriptions.after_first_read = (
        person_key(SECRET, canonical_email(EMAIL)),
        None,
        T3,
    )
    handler = Projector(cast(Repository, repository), SECRET)
    await handler.apply(as_batch(pledge(T1)))
    assert journal.steps == ["tombstones 0", "apply 1", "apply 1"]
    assert "$max" not in journal.writes[0].update
    assert journal.writes[1] == Write({"_id": "c-1:k-awa"}, {"$max": {"unsubscribed_at": T3}})


def test_the_table_writes_each_supporter_event_to_its_record() -> None:
    confirmed = SignupConfirmed(signup_id=uuid.uuid4(), campaign_id="c-1", supporter_key="k-awa")
    unsubscribed = SupporterUnsubscribed(email=EMAIL, source="link")  # from every campaign
    events: list[Event] = [pledge(T1), signed(VolunteerRegistered), confirmed, unsubscribed]
    writes = writes_for(as_batch(*events))
    assert [w.record for w in writes] == ["c-1:k-awa", "c-1:k-awa", "c-1:k-awa", None]
    assert [w.query for w in writes] == [
        {"_id": "c-1:k-awa"},
        {"_id": "c-1:k-awa"},
        {"_id": "c-1:k-awa"},
        {"email_canonical": canonical_email(EMAIL)},
    ]


def test_erasures_and_events_of_no_record_are_no_write_and_dropped_signups_neither() -> None:
    other: list[Event] = [
        erasure(),
        SignupsInvalidated(invalidation_id=uuid.uuid4(), campaign_id="c-1", supporter_keys=("k",)),
    ]
    assert writes_for(as_batch(*other)) == []
    dropped = pledge(T1)
    assert writes_for(as_batch(dropped), dropped={id(dropped)}) == []


def test_the_projector_reads_the_topics_of_its_table_and_no_other() -> None:
    assert ERASURES not in WRITES
    assert set(TOPICS) == {t.topic for t in (*WRITES, ERASURES)}
    assert not [t for t in TOPICS if t.startswith("mailing.")]


async def test_an_anonymised_campaigns_replayed_events_write_nothing() -> None:
    handler, journal = projector(anonymised="c-1")
    await handler.apply(as_batch(pledge(T1), erasure()))
    erase = f"erase {canonical_email(EMAIL)}"
    assert journal.steps == ["tombstones 1", erase, "forget unsubscriptions", "apply 0"]
