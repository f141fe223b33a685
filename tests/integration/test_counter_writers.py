"""Writers that are not the campaign's owner: a member applying an erasure of a campaign another
member owns (the erasure topic is not keyed by campaign: one erasure names several campaigns), and a
consumer that lost its partitions without knowing yet. Neither may undo what the owner recorded, or
a repeated confirmation would count twice."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, cast

import pytest
from pymongo.asynchronous.collection import AsyncCollection

from counter.application.apply import BatchApplier
from counter.entrypoints.reconcile import reconcile_campaign
from counter.repository.ledger import LedgerRepository
from counter.repository.totals import GuardedDocuments, TotalsRepository
from mobilise_events import ErasedSignup, Event, SupporterErased
from mobilise_runtime.kafka import Received
from mobilise_runtime.locks import DocumentLocks
from mobilise_runtime.mongo import Document, ServiceDatabase
from tests.integration.test_counter_consumer import confirm, pledge

PREFIX = "w."
CAMPAIGN, KEY = "c-owned", "supporter-1"


def at(event: Event, partition: int, offset: int) -> list[Received]:
    return [Received(event, PREFIX + event.topic, partition, offset)]


def applier(database: ServiceDatabase, ledger: LedgerRepository | None = None) -> BatchApplier:
    ledger = ledger or LedgerRepository(database.db)
    return BatchApplier(ledger, TotalsRepository(database.db), prefix=PREFIX)


class HeldCollection:
    """The ledger collection as one member sees it: its writes wait until `release` is set."""

    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._collection = collection
        self.writing = asyncio.Event()
        self.release = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._collection, name)

    async def _held(self, method: str, *args: Any, **kwargs: Any) -> Any:
        self.writing.set()
        await self.release.wait()
        return await getattr(self._collection, method)(*args, **kwargs)

    async def bulk_write(self, *args: Any, **kwargs: Any) -> Any:
        return await self._held("bulk_write", *args, **kwargs)

    async def insert_many(self, *args: Any, **kwargs: Any) -> Any:
        return await self._held("insert_many", *args, **kwargs)

    async def replace_one(self, *args: Any, **kwargs: Any) -> Any:
        return await self._held("replace_one", *args, **kwargs)

    async def update_one(self, *args: Any, **kwargs: Any) -> Any:
        return await self._held("update_one", *args, **kwargs)


async def counts(database: ServiceDatabase) -> tuple[int, int]:
    doc = await database.db["totals"].find_one({"_id": CAMPAIGN}) or {}
    return doc.get("signed", 0), doc.get("confirmed", 0)


async def test_an_erasure_by_another_member_never_undoes_the_owners_confirmation(
    database: ServiceDatabase,
) -> None:
    """The other member reads the supporter's entry before the owner counts the confirmation and
    writes after: were it to write the entry back (erased, unconfirmed), the owner's next start
    would take a second click on the confirmation link for a first one."""
    owner = applier(database)
    await owner.apply(at(pledge(CAMPAIGN, KEY, "FR"), 0, 0))
    held_ledger = LedgerRepository(database.db)
    held = HeldCollection(database.db["ledger"])
    held_ledger._ledger = cast(AsyncCollection[Document], held)
    other = applier(database, held_ledger)
    erased = SupporterErased(
        email="a@example.org", signups=(ErasedSignup(campaign_id=CAMPAIGN, supporter_key=KEY),)
    )
    erasing = asyncio.create_task(other.apply(at(erased, 1, 0)))
    await asyncio.wait_for(held.writing.wait(), 10)
    await owner.apply(at(confirm(CAMPAIGN, KEY), 0, 0))
    assert await counts(database) == (1, 1)
    held.release.set()
    await asyncio.wait_for(erasing, 10)
    restarted = applier(database)
    await restarted.apply(at(confirm(CAMPAIGN, KEY), 0, 1))  # a second click
    assert await counts(database) == (1, 1)
    tombstone = await database.db["ledger"].find_one({"_id": f"{CAMPAIGN}:{KEY}/erased"})
    assert tombstone is not None


async def test_a_consumer_that_lost_its_partition_cannot_record_over_the_new_owner(
    database: ServiceDatabase,
) -> None:
    """The old owner has the supporter unconfirmed in memory and a batch with the confirmation in
    hand when the new owner counts that confirmation. The old owner's record of it is refused (its
    view was stale): it reads the ledger again, finds the confirmation counted, counts nothing."""
    held_ledger = LedgerRepository(database.db)
    held = HeldCollection(database.db["ledger"])
    held_ledger._ledger = cast(AsyncCollection[Document], held)
    old = applier(database, held_ledger)
    held.release.set()
    await old.apply(at(pledge(CAMPAIGN, KEY, "FR"), 0, 0))
    held.release.clear()
    held.writing.clear()
    in_hand = asyncio.create_task(old.apply(at(confirm(CAMPAIGN, KEY), 0, 0)))
    await asyncio.wait_for(held.writing.wait(), 10)
    new = applier(database)
    await new.apply(at(confirm(CAMPAIGN, KEY), 0, 0))
    assert await counts(database) == (1, 1)
    held.release.set()
    await asyncio.wait_for(in_hand, 10)
    assert old.reapplied == 1
    assert await counts(database) == (1, 1)
    await old.apply(at(confirm(CAMPAIGN, KEY), 0, 1))  # a second click
    assert await counts(database) == (1, 1)
    other = f"supporter-{uuid.uuid4().hex[:6]}"
    await old.apply(at(pledge(CAMPAIGN, other, "SN", double_opt_in=False), 0, 1))
    assert await counts(database) == (2, 2)


async def test_a_consumer_that_lost_its_partition_cannot_write_the_totals_twice(
    database: ServiceDatabase,
) -> None:
    """A batch in hand at the old owner, its totals write under way, when the new owner applies
    the same batch: the new owner waits for the document's lock (its holder is alive, however
    slow), then finds the document moved, and reading it again, the batch applied already."""
    held = HeldCollection(database.db["totals"])
    held_totals = TotalsRepository(database.db)
    held_totals.totals = GuardedDocuments(
        cast(AsyncCollection[Document], held), DocumentLocks(database.db, "totals")
    )
    old = BatchApplier(LedgerRepository(database.db), held_totals, prefix=PREFIX)
    held.release.set()
    await old.apply(at(pledge(CAMPAIGN, KEY, "FR"), 0, 0))
    held.release.clear()
    held.writing.clear()
    in_hand = asyncio.create_task(old.apply(at(pledge(CAMPAIGN, "second", "SN"), 0, 1)))
    await asyncio.wait_for(held.writing.wait(), 10)
    new = applier(database)
    applying = asyncio.create_task(new.apply(at(pledge(CAMPAIGN, "second", "SN"), 0, 1)))
    await asyncio.sleep(0.5)  # nothing it may show yet: it must still be waiting for the lock
    assert not applying.done()
    assert await counts(database) == (1, 0)
    held.release.set()
    await asyncio.wait_for(in_hand, 10)
    await asyncio.wait_for(applying, 10)
    assert (old.reapplied, new.reapplied) == (0, 1)
    assert await counts(database) == (2, 0)


async def drift(database: ServiceDatabase) -> list[str]:
    ledger, totals = LedgerRepository(database.db), TotalsRepository(database.db)
    return await reconcile_campaign(ledger, totals, CAMPAIGN, repair=False)


@pytest.mark.parametrize(
    "owner_first",
    [
        # The old member read the ledger before the new owner counted X's double opt-in signup;
        # it then applies X's confirmation (another topic, so its totals write moves an offset
        # the owner's did not). Were its "seen before any signup" fact kept beside the owner's
        # signed one, the confirmation would count nothing, in the totals and in the recount.
        pytest.param("signup", id="a stale member cannot take a confirmation for a first one"),
        # The owner recorded X's confirmation, seen before X's signup; the old member, X unknown
        # to it, applies X's signup: its signed fact, unconfirmed, must not win over the owner's.
        pytest.param("confirmation", id="a stale member cannot sign over a confirmation"),
    ],
)
async def test_a_member_with_a_stale_ledger_cannot_undo_what_the_owner_recorded(
    database: ServiceDatabase, owner_first: str
) -> None:
    signup, confirmation = pledge(CAMPAIGN, KEY, "FR"), confirm(CAMPAIGN, KEY)
    first, then = (signup, confirmation) if owner_first == "signup" else (confirmation, signup)
    old = applier(database)
    await old.assigned([0])
    new = applier(database)
    await new.apply(at(first, 0, 0))
    await old.apply(at(then, 0, 0))
    await new.apply(at(then, 0, 0))  # the owner's delivery of it
    assert await counts(database) == (1, 1)
    assert await drift(database) == []
    assert old.reapplied == 1


async def test_a_totals_write_from_a_stale_view_is_refused_whatever_offsets_it_moves(
    database: ServiceDatabase,
) -> None:
    """The old member last wrote the campaign's totals before the new owner did; its next batch
    moves an offset the owner's write did not (the confirmations topic). It must read the
    document again rather than write from its stale view of it."""
    old = applier(database)
    await old.apply(at(pledge(CAMPAIGN, KEY, "FR"), 0, 0))
    new = applier(database)
    await new.apply(at(pledge(CAMPAIGN, "second", "SN"), 0, 1))
    await old.apply(at(confirm(CAMPAIGN, KEY), 0, 0))
    assert old.reapplied == 1
    assert await counts(database) == (2, 1)
    assert await drift(database) == []
