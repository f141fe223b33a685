"""Which failed totals writes mean "another writer was first" (the batch is read again and
reapplied) and which are real errors (the process stops)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

import pytest
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

from counter.repository.totals import Change, GuardedDocuments, StaleWriter
from mobilise_runtime.locks import DocumentLocks
from mobilise_runtime.mongo import DUPLICATE_KEY, Document
from tests.unit.counter_fakes import Found

TYPE_MISMATCH = 14  # MongoDB's code for $inc on a field that is not a number


class FailingCollection:
    """Holds document "c" at version 4; every write to it fails with `code`."""

    name = "totals"

    def __init__(self, code: int, version: int = 4) -> None:
        self.code = code
        self.version = version
        self.writes: list[Any] = []

    def find(self, *args: Any) -> Found:
        return Found([{"_id": "c", "version": self.version, "applied": {"k": 3}}])

    async def bulk_write(self, writes: list[Any], *, ordered: bool) -> None:
        self.writes += writes
        raise BulkWriteError(
            {
                "writeErrors": [{"index": 0, "code": self.code, "errmsg": f"code {self.code}"}],
                "writeConcernErrors": [],
                "nInserted": 0,
                "nUpserted": 0,
                "nMatched": 0,
                "nModified": 0,
                "nRemoved": 0,
                "upserted": [],
            }
        )


class FreeLocks:
    """Every document's lock is free: the write itself fails."""

    @asynccontextmanager
    async def holding(self, *ids: str) -> AsyncIterator[None]:
        yield


def documents(code: int, collection: FailingCollection | None = None) -> GuardedDocuments:
    return GuardedDocuments(
        cast(AsyncCollection[Document], collection or FailingCollection(code)),
        cast(DocumentLocks, FreeLocks()),
    )


CHANGE: dict[str, Change] = {"c": Change(4, {"k": 3}, {"k": 5}, {"signed": 2}, {})}


async def test_a_duplicate_key_on_the_guarded_upsert_is_a_stale_writer() -> None:
    with pytest.raises(StaleWriter):
        await documents(DUPLICATE_KEY).write(CHANGE)


async def test_any_other_write_error_is_raised_as_it_is() -> None:
    with pytest.raises(BulkWriteError) as raised:
        await documents(TYPE_MISMATCH).write(CHANGE)
    assert not isinstance(raised.value, StaleWriter)


async def test_a_version_moved_since_it_was_read_is_a_stale_writer_and_writes_nothing() -> None:
    moved = FailingCollection(TYPE_MISMATCH, version=5)
    with pytest.raises(StaleWriter):
        await documents(TYPE_MISMATCH, moved).write(CHANGE)
    assert moved.writes == []
