"""Applying a batch of events to the totals: the ledger first, then the history, then the
totals — each document written once per batch, each write idempotent or guarded (see
domain/aggregation.py, domain/facts.py, repository/)."""

from __future__ import annotations

import asyncio
from collections import ChainMap
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import NamedTuple

from counter.domain import aggregation, facts
from counter.domain.entries import Contribution, Entry
from counter.domain.packed_entries import PackedEntries
from counter.domain.totals_document import (
    applied_key,
    history_fields,
    hour_id,
    minute_increments,
    totals_fields,
)
from counter.repository.ledger import LedgerRepository
from counter.repository.totals import Change, GuardedDocuments, StaleWriter, TotalsRepository
from mobilise_events import Signup, SignupConfirmed, SignupsInvalidated, SupporterErased
from mobilise_runtime.cache import TimedCache
from mobilise_runtime.kafka import Received
from mobilise_runtime.logging import get_logger
from mobilise_runtime.mongo import Document

# Event → effect on the ledger, in the order a batch applies them: an erasure marks its person's
# entries erased (what was counted stays counted); a signup or a confirmation counts against its
# entry, an invalidation against each of its entries (domain/aggregation.py). Others count nothing.
ERASES = SupporterErased
COUNTED = (Signup, SignupConfirmed, SignupsInvalidated)
Counted = Signup | SignupConfirmed | SignupsInvalidated

log = get_logger(__name__)
# Tries of a batch that finds its documents moved by another writer.
ATTEMPTS = 3
# The documents whose applied offsets are kept in memory, and for how long.
KNOWN_MAX = 20_000
KNOWN_KEEP_S = 3600.0


class CountedEvent(NamedTuple):
    """A received event that counts against ledger entries, typed as such."""

    received: Received
    event: Counted


class Known(NamedTuple):
    """A guarded document as this process last read or wrote it."""

    version: int
    applied: dict[str, int]  # applied offsets, by applied key


class Step(NamedTuple):
    """One event's part in one document's write."""

    doc_id: str
    key: str  # the applied-offset key: topic and partition
    offset: int
    increments: dict[str, int]  # $inc paths


Applied = dict[str, dict[str, int]]
Changes = dict[str, Change]


class BatchApplier:
    """Applies batches of one consumer process. It keeps the ledger entries of the partitions it
    owns in memory, and the applied offsets of the totals and history documents it writes: a
    campaign's events all travel on one partition (keyed by campaign), and one process owns a
    partition, so no one else changes those while it does. They are read when first needed (the
    ledger of a partition once, when it comes: `assigned`), dropped when partitions go
    (`revoked`), and read again after any failed batch.

    aiokafka sets a new assignment, and `getmany` may return its records, before it awaits the
    on-assigned hook: a batch can load a partition itself and write before the hook's load ends.
    So loads, batches and revocations take turns (`_turn`), and a load reads only the partitions
    not in memory when its turn comes: memory of a partition is never replaced by a copy read
    before writes this process applied."""

    def __init__(self, ledger: LedgerRepository, totals: TotalsRepository, *, prefix: str) -> None:
        self._ledger = ledger
        self._totals = KnownOffsets(totals.totals)
        self._history = KnownOffsets(totals.history)
        self._prefix = prefix
        self._owned: dict[int, PackedEntries] = {}
        self._turn = asyncio.Lock()
        # Batches that found their documents moved by another writer and were applied again.
        self.reapplied = 0

    def _key(self, received: Received) -> str:
        return applied_key(received.topic.removeprefix(self._prefix), received.partition)

    async def assigned(self, partitions: Iterable[int]) -> None:
        """Read the ledger of newly owned signup-topic partitions (those not read yet)."""
        async with self._turn:
            await self._load(partitions)

    async def _load(self, partitions: Iterable[int]) -> None:
        missing = set(partitions) - self._owned.keys()
        if missing:
            self._owned.update(await self._ledger.load(missing))

    async def revoked(self, partitions: Iterable[int]) -> None:
        async with self._turn:
            for partition in partitions:
                self._owned.pop(partition, None)
            self._totals.forget()
            self._history.forget()

    async def apply(self, batch: list[Received]) -> None:
        async with self._turn:
            await self._apply_in_turn(batch)

    async def _apply_in_turn(self, batch: list[Received]) -> None:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                await self._apply(batch)
                return
            except StaleWriter as exc:
                # Another writer got there first: most likely a member that lost these partitions
                # to this one and finished its batch late. Read everything again and apply the
                # batch as a redelivery; if it goes on, let the process fail.
                self._forget()
                if attempt == ATTEMPTS:
                    raise
                self.reapplied += 1
                log.warning(
                    "documents moved by another writer: reading them again",
                    attempt=attempt,
                    reason=str(exc)[:300],
                )
            except BaseException:
                # Half a batch may be written: what is in memory no longer matches the database.
                self._forget()
                raise

    def _forget(self) -> None:
        self._owned.clear()
        self._totals.forget()
        self._history.forget()

    async def _apply(self, batch: list[Received]) -> None:
        await self._ledger.mark_erased(
            (s.campaign_id, s.supporter_key)
            for r in batch
            if isinstance(r.event, ERASES)
            for s in r.event.signups
        )
        counted = _counted(batch)
        # The totals write is the batch's commit point: what a campaign's totals document has
        # applied is skipped; everything after it is (re)applied from the ledger's state.
        done = await self._totals.applied({c.event.campaign_id for c in counted})
        todo = [
            c
            for c in counted
            if c.received.offset >= _applied(done, c.event.campaign_id, self._key(c.received))
        ]
        if not todo:
            return
        partitions = {c.received.partition for c in todo}
        await self._load(partitions)
        changed: dict[str, Entry] = {}
        entries = ChainMap(changed, *(self._owned[p] for p in partitions))
        partition_of: dict[str, int] = {}
        totals_steps: list[Step] = []
        history_steps: list[Step] = []
        slugs: dict[str, str] = {}
        for counted_event in todo:
            received, event = counted_event.received, counted_event.event
            key = self._key(received)
            pos = aggregation.position(key, received.partition, received.offset)
            if isinstance(event, Signup):
                slugs[event.campaign_id] = event.campaign_slug
            for touched in aggregation.touched_entries(event):
                partition_of[touched] = received.partition
            for c in aggregation.apply(entries, event, pos):
                increments = c.increments()
                if increments:
                    history_steps.append(_minute_step(c, key, received.offset))
                # Even with nothing to count, the step moves the applied offset.
                totals_steps.append(Step(c.campaign_id, key, received.offset, increments))
        recorded = [
            fact
            for i, after in changed.items()
            for fact in facts.changes(self._owned[partition_of[i]].get(i), after, partition_of[i])
        ]
        # The ledger first: a history document skips what its applied offsets cover, so it may
        # only take contributions the ledger holds for good. Written beside a ledger write that
        # then failed half-way, it kept a contribution the replay computes differently (the
        # unsaved entries replayed in another interleaving) and lost the new one.
        await self._ledger.record(recorded)
        history = await _write(self._history, history_steps, history_fields)
        now = datetime.now(UTC)

        def fields(campaign: str) -> Document:
            return totals_fields(now, slugs.get(campaign))

        totals = await _write(self._totals, totals_steps, fields, applied=done)
        self._history.wrote(history)
        self._totals.wrote(totals)
        for i, after in changed.items():
            owned = self._owned[partition_of[i]]
            owned[i] = facts.recorded(owned.get(i), after)


class KnownOffsets:
    """The versions and applied offsets of documents this process writes, as it last read or
    wrote them. Bounded in size and time (one history document a campaign an hour adds up): one
    forgotten is read again from the database, which has it."""

    def __init__(self, documents: GuardedDocuments) -> None:
        self.documents = documents
        self._known: TimedCache[str, Known] = TimedCache(max_entries=KNOWN_MAX)
        self._read: dict[str, int] = {}  # versions of the last applied() call's documents

    async def applied(self, ids: Iterable[str]) -> Applied:
        known: dict[str, Known] = {}
        missing = set()
        for i in set(ids):
            hit = self._known.fresh(i)
            if hit is None:
                missing.add(i)
            else:
                known[i] = hit[0]
        if missing:
            found = await self.documents.applied(missing)
            for i in missing:
                known[i] = Known(*found.get(i, (0, {})))
                self._known.put(i, known[i], keep_s=KNOWN_KEEP_S)
        # Kept for version() even if the bounded cache lets one go meanwhile.
        self._read = {i: k.version for i, k in known.items()}
        return {i: k.applied for i, k in known.items()}

    def version(self, doc_id: str) -> int:
        hit = self._known.fresh(doc_id)
        return hit[0].version if hit is not None else self._read[doc_id]

    def wrote(self, changes: Changes) -> None:
        for doc_id, change in changes.items():
            applied = {**change.applied_before, **change.applied_after}
            self._known.put(doc_id, Known(change.version + 1, applied), keep_s=KNOWN_KEEP_S)

    def forget(self) -> None:
        self._known.clear()


def _applied(done: Applied, doc_id: str, key: str) -> int:
    return done.get(doc_id, {}).get(key, 0)


def _counted(batch: list[Received]) -> list[CountedEvent]:
    return [CountedEvent(r, r.event) for r in batch if isinstance(r.event, COUNTED)]


def _minute_step(c: Contribution, key: str, offset: int) -> Step:
    increments = minute_increments(c.at, c.counts())
    return Step(hour_id(c.campaign_id, c.at), key, offset, increments)


async def _write(
    documents: KnownOffsets,
    steps: list[Step],
    fields: Callable[[str], Document],
    *,
    applied: Applied | None = None,
) -> Changes:
    """One guarded write per document, summing its steps that it has not applied yet."""
    if applied is None:
        applied = await documents.applied({s.doc_id for s in steps})
    changes: Changes = {}
    for step in steps:
        before = applied.get(step.doc_id, {})
        if step.offset < before.get(step.key, 0):
            continue  # this document has it already (a replay after a crash)
        if step.doc_id not in changes:
            version = documents.version(step.doc_id)
            changes[step.doc_id] = Change(version, before, {}, {}, fields(step.doc_id))
        change = changes[step.doc_id]
        after = change.applied_after
        after[step.key] = max(after.get(step.key, 0), step.offset + 1)
        for path, n in step.increments.items():
            change.increments[path] = change.increments.get(path, 0) + n
    await documents.documents.write(changes)
    return changes
