"""signup-projector over every order of a supporter's signups and unsubscriptions: they travel on
different topics, so the projector reads them in any order, and replays read them again. Whatever
the order, the record read back is the one the events give in the order they happened. The
supporter store is a small in-memory interpreter of the update operators the repository writes
($set, $unset, $min, $max, $addToSet, upserts by _id, updates of every record matching a query);
the same orders against FerretDB: tests/integration/test_opt_in_order.py."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from devstack.harness.events import as_batch, signed
from mobilise_events import Event, SignupConfirmed, SupporterUnsubscribed
from mobilise_runtime.kafka import Received
from mobilise_runtime.mongo import Document
from signup.entrypoints.projector import Projector
from signup.repository import Repository
from signup.repository.supporters import Write, supporter_record
from signup.repository.unsubscriptions import Unsubscription

SECRET = b"unit"
EMAIL = "awa@example.org"
T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)


def at(day: int) -> datetime:
    return T0 + timedelta(days=day)


def _matches(doc: Document, query: Document) -> bool:
    return all(doc.get(k) == v for k, v in query.items())


def _update(doc: Document, update: Document) -> None:
    for field, value in update.get("$set", {}).items():
        doc[field] = value
    for field in update.get("$unset", {}):
        doc.pop(field, None)
    for field, value in update.get("$min", {}).items():
        doc[field] = min(doc.get(field, value), value)
    for field, value in update.get("$max", {}).items():
        doc[field] = max(doc.get(field, value), value)
    for field, value in update.get("$addToSet", {}).items():
        if value not in doc.setdefault(field, []):
            doc[field].append(value)


class StoredSupporters:
    def __init__(self) -> None:
        self.docs: dict[str, Document] = {}

    async def apply(self, writes: Sequence[Write]) -> None:
        for write in writes:
            if write.record is None:
                matching = [d for d in self.docs.values() if _matches(d, write.query)]
            elif write.record in self.docs:
                matching = [self.docs[write.record]]
            else:
                matching = [self.docs.setdefault(write.record, {"_id": write.record})]
                if not write.upsert:
                    matching = []
                    del self.docs[write.record]
            for doc in matching:
                _update(doc, write.update)

    async def erase(self, canonical: str, records: Sequence[tuple[str, str]], at: datetime) -> None:
        raise AssertionError("no erasure in these orders")


class StoredUnsubscriptions:
    def __init__(self) -> None:
        self.facts: dict[tuple[str, str | None], datetime] = {}

    async def record(self, unsubscriptions: Iterable[Unsubscription]) -> None:
        for person, campaign_id, when in unsubscriptions:
            self.facts[person, campaign_id] = max(self.facts.get((person, campaign_id), when), when)

    async def of_people(self, people: Iterable[str]) -> list[Unsubscription]:
        wanted = set(people)
        return [(p, c, when) for (p, c), when in self.facts.items() if p in wanted]

    async def forget(self, person: str, until: datetime) -> None:
        raise AssertionError("no erasure in these orders")


class NoErasures:
    async def record(self, erasures: Iterable[tuple[str, datetime]]) -> None:
        assert not list(erasures)

    async def erased_at(self, hashes: Iterable[str]) -> dict[str, datetime]:
        return {}


class Everything:
    async def kept(self, batch: Sequence[Received]) -> list[Received]:
        return list(batch)


class StoredRepository:
    def __init__(self) -> None:
        self.supporters = StoredSupporters()
        self.unsubscriptions = StoredUnsubscriptions()
        self.erasures = NoErasures()
        self.anonymisation = Everything()


def pledge(day: int, *, opt_in: bool, signup_id: uuid.UUID | None = None) -> Event:
    signup_id = signup_id or uuid.uuid4()
    return signed(email=EMAIL, occurred_at=at(day), newsletter_opt_in=opt_in, signup_id=signup_id)


def confirmed(day: int, signup_id: uuid.UUID) -> Event:
    return SignupConfirmed(
        signup_id=signup_id, campaign_id="c-1", supporter_key="k-awa", occurred_at=at(day)
    )


FIRST = uuid.uuid4()


def unsubscribed(day: int, campaign_id: str | None) -> Event:
    return SupporterUnsubscribed(email=EMAIL, campaign_id=campaign_id, occurred_at=at(day))


# Awa signs with the newsletter, unsubscribes from the campaign's mail, signs again with it (a new
# consent), leaves every campaign's mail; the same with a last signup without the newsletter; her
# confirmation (read before her signup in some orders: another topic).
STORIES: dict[str, list[Event]] = {
    "unsubscribed from everything last": [
        pledge(1, opt_in=True),
        unsubscribed(2, "c-1"),
        pledge(3, opt_in=True),
        unsubscribed(4, None),
    ],
    "signed again after unsubscribing": [
        unsubscribed(0, None),
        pledge(1, opt_in=True),
        unsubscribed(2, "c-1"),
        pledge(3, opt_in=True),
    ],
    "signed without the newsletter last": [
        pledge(1, opt_in=True),
        unsubscribed(2, "c-1"),
        pledge(3, opt_in=True),
        pledge(4, opt_in=False),
    ],
    "unsubscribed from another campaign": [pledge(1, opt_in=True), unsubscribed(2, "c-2")],
    "confirmed twice, then signed again": [
        pledge(1, opt_in=True, signup_id=FIRST),
        confirmed(2, FIRST),
        confirmed(3, FIRST),
        pledge(4, opt_in=False),
    ],
}


async def record_after(*batches: list[Event]) -> Document | None:
    repository = StoredRepository()
    projector = Projector(cast(Repository, repository), SECRET)
    for batch in batches:
        await projector.apply(as_batch(*batch))
    found = repository.supporters.docs.get("c-1:k-awa")
    return None if found is None else _comparable(supporter_record(found))


def _comparable(record: Document) -> dict[str, Any]:
    # Consents and confirmations are sets: the order they were added in is the order read in.
    sets = {k: sorted(record.get(k, []), key=lambda c: c["at"]) for k in _SETS}
    return {**record, **sets}


_SETS = ("consents", "confirmations")


@pytest.mark.parametrize("story", STORIES)
async def test_every_order_and_replay_gives_the_record_of_the_events_in_their_order(
    story: str,
) -> None:
    events = STORIES[story]
    for size in range(1, len(events) + 1):
        for read in itertools.permutations(events, size):
            happened = sorted(read, key=lambda e: e.occurred_at)
            expected = await record_after(*([e] for e in happened))
            # One event per batch, then the lot replayed in one batch.
            assert await record_after(*([e] for e in read), list(read)) == expected, read


async def test_a_signup_read_after_a_newer_unsubscription_is_not_opted_in() -> None:
    awa = await record_after([pledge(1, opt_in=True)], [unsubscribed(3, "c-1")])
    assert awa is not None
    assert awa["newsletter_opt_in"] is False
    late = await record_after(
        [pledge(1, opt_in=True)], [unsubscribed(3, "c-1")], [pledge(2, opt_in=True)]
    )
    assert late is not None
    assert (late["newsletter_opt_in"], late["unsubscribed_at"]) == (False, at(3))


async def test_an_unsubscription_read_before_any_signup_reaches_the_record() -> None:
    awa = await record_after([unsubscribed(2, None)], [pledge(1, opt_in=True)])
    assert awa is not None
    assert (awa["newsletter_opt_in"], awa["unsubscribed_at"]) == (False, at(2))


async def test_a_signup_after_the_unsubscription_opts_in_again() -> None:
    awa = await record_after([pledge(3, opt_in=True)], [unsubscribed(2, None)])
    assert awa is not None
    assert awa["newsletter_opt_in"] is True


async def test_an_unsubscription_from_another_campaign_changes_nothing() -> None:
    awa = await record_after([unsubscribed(2, "c-2")], [pledge(1, opt_in=True)])
    assert awa is not None
    assert awa["newsletter_opt_in"] is True
    assert "unsubscribed_at" not in awa


async def test_a_confirmation_read_before_its_signup_confirms_it() -> None:
    awa = await record_after([confirmed(2, FIRST)], [pledge(1, opt_in=True, signup_id=FIRST)])
    assert awa is not None
    assert (awa["confirmed"], awa["confirmed_at"]) == (True, at(2))
    unconfirmed = await record_after([confirmed(2, uuid.uuid4())], [pledge(1, opt_in=True)])
    assert unconfirmed is not None
    assert (unconfirmed["confirmed"], unconfirmed["confirmed_at"]) == (False, None)
