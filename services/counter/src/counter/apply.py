"""Applying a batch of events to the totals: ledger first, then history, then totals — each
document written once per batch, each write idempotent (see domain/aggregation.py, repository/)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from counter.domain import aggregation
from counter.domain.aggregation import Contribution
from counter.repository.ledger import LedgerRepository
from counter.repository.totals import GuardedDocuments, TotalsRepository, applied_key, hour_id
from mobilise_events import Signup
from mobilise_runtime.kafka import Received
from mobilise_runtime.mongo import Document

# One step of a document: (document id, applied-offset key, offset, $inc paths).
Step = tuple[str, str, int, dict[str, int]]
Applied = dict[str, dict[str, int]]


class BatchApplier:
    def __init__(self, ledger: LedgerRepository, totals: TotalsRepository, *, prefix: str) -> None:
        self._ledger = ledger
        self._totals = totals
        self._prefix = prefix

    def _key(self, received: Received) -> str:
        return applied_key(received.topic.removeprefix(self._prefix), received.partition)

    async def apply(self, batch: list[Received]) -> None:
        # The totals write is the batch's commit point: what a campaign's totals document has
        # applied is skipped; everything after it is (re)applied from the ledger's state.
        campaigns = {c for r in batch for c, _ in aggregation.ledger_keys(r.event)}
        done = await self._totals.totals.applied(campaigns)
        todo = [r for r in batch if not self._already_applied(done, r)]
        if not todo:
            return
        entries = await self._ledger.load(
            f"{c}:{k}" for r in todo for c, k in aggregation.ledger_keys(r.event)
        )
        before = dict(entries)
        totals_steps: list[Step] = []
        history_steps: list[Step] = []
        slugs: dict[str, str] = {}
        for received in todo:
            key = self._key(received)
            pos = aggregation.position(key, received.partition, received.offset)
            if isinstance(received.event, Signup):
                slugs[received.event.campaign_id] = received.event.campaign_slug
            for c in aggregation.apply(entries, received.event, pos):
                increments = c.increments()
                if increments:
                    history_steps.append(_minute_step(c, key, received.offset))
                totals_steps.append((c.campaign_id, key, received.offset, increments))
            for campaign, _ in aggregation.ledger_keys(received.event):
                # An event that counts nothing still moves its campaign's applied offset.
                totals_steps.append((campaign, key, received.offset, {}))
        await self._ledger.save(e for i, e in entries.items() if before.get(i) != e)
        await _write(self._totals.history, history_steps, _history_fields)
        now = datetime.now(UTC)

        def totals_fields(campaign: str) -> Document:
            return {"updated_at": now, **({"slug": slugs[campaign]} if campaign in slugs else {})}

        await _write(self._totals.totals, totals_steps, totals_fields, applied=done)

    def _already_applied(self, done: Applied, received: Received) -> bool:
        key = self._key(received)
        campaigns = [c for c, _ in aggregation.ledger_keys(received.event)]
        return bool(campaigns) and all(
            received.offset < done.get(c, {}).get(key, 0) for c in campaigns
        )


def _minute_step(c: Contribution, key: str, offset: int) -> Step:
    minute = f"minutes.{c.at.minute:02d}"
    counts = {f"{minute}.{n}": getattr(c, n) for n in aggregation.COUNTS if getattr(c, n)}
    return (hour_id(c.campaign_id, c.at), key, offset, counts)


def _history_fields(doc_id: str) -> Document:
    campaign_id, hour = doc_id.rsplit(":", 1)
    return {
        "campaign_id": campaign_id,
        "hour": datetime.strptime(hour, "%Y-%m-%dT%H").replace(tzinfo=UTC),
    }


async def _write(
    documents: GuardedDocuments,
    steps: list[Step],
    fields: Callable[[str], Document],
    *,
    applied: Applied | None = None,
) -> None:
    """One guarded write per document, summing its steps that it has not applied yet."""
    if applied is None:
        applied = await documents.applied({s[0] for s in steps})
    changes: dict[str, tuple[dict[str, int], dict[str, int], dict[str, int], Document]] = {}
    for doc_id, key, offset, increments in steps:
        before = applied.get(doc_id, {})
        if offset < before.get(key, 0):
            continue  # this document has it already (a replay after a crash)
        _, after, total, _ = changes.setdefault(doc_id, (before, {}, {}, fields(doc_id)))
        after[key] = max(after.get(key, 0), offset + 1)
        for path, n in increments.items():
            total[path] = total.get(path, 0) + n
    await documents.write(changes)
