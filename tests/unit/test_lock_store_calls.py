"""A hold's own store calls (take, release) are bounded by the lease: a store that accepted a
call and never answers stops the hold with LockLost (outcome unknown), instead of leaving the
writer waiting for ever. The holds themselves on the real store: tests/integration."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from mobilise_runtime import locks
from mobilise_runtime.locks import DocumentLocks, LockLost
from mobilise_runtime.mongo import Document


class _LockCollection:
    """The locks collection of a store that answers only the calls not named in `hanging`."""

    def __init__(self, *hanging: str) -> None:
        self.hanging = set(hanging)
        self.calls: list[str] = []

    async def _call(self, name: str) -> None:
        self.calls.append(name)
        if name in self.hanging:
            await asyncio.Event().wait()  # accepted, never answered

    async def insert_many(self, docs: list[Document], **_: Any) -> None:
        await self._call("insert_many")

    async def delete_many(self, query: Document) -> None:
        await self._call("delete_many")


def _locks(collection: _LockCollection) -> DocumentLocks:
    return DocumentLocks(cast(AsyncDatabase[Document], {locks.LOCKS: collection}), "docs")


@pytest.fixture(autouse=True)
def short_lease(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(locks, "ABANDONED_AFTER_S", 0.6)  # a lease of 0.3 s


async def _hold(collection: _LockCollection) -> list[str]:
    """Holds lock "a" for no write (within 5 s, or the test fails); what was done inside."""
    done: list[str] = []
    async with asyncio.timeout(5), _locks(collection).holding("a"):
        done.append("written")
    return done


async def test_a_take_the_store_never_answers_stops_the_hold() -> None:
    collection = _LockCollection("insert_many")
    with pytest.raises(LockLost, match="taking"):
        await _hold(collection)
    assert "delete_many" not in collection.calls  # the lock may be in: kept until it ages out


async def test_a_release_the_store_never_answers_stops_the_hold() -> None:
    collection = _LockCollection("delete_many")
    with pytest.raises(LockLost, match="releasing"):
        await _hold(collection)
