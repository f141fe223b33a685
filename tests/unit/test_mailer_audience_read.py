"""A mailing's audience is read a page ahead: the store reads page n+1 while the plan writes
and queues what it made of page n (mailer.repository.audience.of_campaign)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from mailer.domain.planning import ERASED_AT
from mailer.repository import ERASURES, RECIPIENTS
from mailer.repository.audience import READ_BATCH, AudienceRepository
from mobilise_runtime.mongo import Document


class _Cursor:
    """Pages of a real cursor's shape, each read only once asked for, through `to_list` (a page)
    or iteration (a document at a time, pymongo's own batching)."""

    def __init__(self, pages: list[list[Document]]) -> None:
        self._pages = pages
        self.asked = 0  # pages asked of the store so far
        self.closed = False
        self._buffer: list[Document] = []

    async def to_list(self, length: int | None = None) -> list[Document]:
        assert length == READ_BATCH
        return await self._next_page()

    async def _next_page(self) -> list[Document]:
        if self.asked >= len(self._pages):
            return []
        self.asked += 1
        await asyncio.sleep(0)  # a round trip
        return list(self._pages[self.asked - 1])

    def __aiter__(self) -> _Cursor:
        return self

    async def __anext__(self) -> Document:
        if not self._buffer:
            self._buffer = await self._next_page()
            if not self._buffer:
                raise StopAsyncIteration
        return self._buffer.pop(0)

    async def close(self) -> None:
        self.closed = True


class _Recipients:
    def __init__(self, cursor: _Cursor) -> None:
        self.cursor = cursor
        self.asked: list[tuple[Any, ...]] = []  # each find's filter and projection, if any

    def find(self, *args: Any, **kwargs: Any) -> _Cursor:
        self.asked.append((*args, kwargs.get("projection")))
        return self.cursor


def _audience(pages: list[list[Document]]) -> tuple[AudienceRepository, _Cursor]:
    audience, cursor, _ = _audience_and_store(pages)
    return audience, cursor


def _audience_and_store(
    pages: list[list[Document]],
) -> tuple[AudienceRepository, _Cursor, _Recipients]:
    cursor = _Cursor(pages)
    recipients = _Recipients(cursor)
    db: dict[str, Any] = defaultdict(object, {RECIPIENTS: recipients})
    return AudienceRepository(db), cursor, recipients  # type: ignore[arg-type]


def _pages(count: int, size: int) -> list[list[Document]]:
    return [[{"supporter_key": f"k{p}-{n}"} for n in range(size)] for p in range(count)]


async def test_the_next_page_is_asked_for_before_this_one_is_used() -> None:
    audience, cursor = _audience(_pages(3, 2))
    read = audience.of_campaign("c-1", confirmed_only=False)
    first = await anext(read)
    await asyncio.sleep(0)  # what the plan awaits while it writes the batch
    assert first["supporter_key"] == "k0-0"
    assert cursor.asked == 2, "page 2 is being read while page 1 is planned"
    rest = [r["supporter_key"] async for r in read]
    assert rest == ["k0-1", "k1-0", "k1-1", "k2-0", "k2-1"]
    assert cursor.closed


async def test_a_read_left_early_stops_its_page_in_flight_and_closes_the_cursor() -> None:
    audience, cursor = _audience(_pages(3, 2))
    read = audience.of_campaign("c-1", confirmed_only=False)
    await anext(read)
    await read.aclose()
    assert cursor.closed
    assert cursor.asked <= 2


async def test_an_empty_audience_reads_nothing_more() -> None:
    audience, cursor = _audience([])
    assert [r async for r in audience.of_campaign("c-1", confirmed_only=False)] == []
    assert cursor.closed


async def test_the_store_is_asked_for_whole_documents_of_the_one_language_if_one_is_asked() -> None:
    # FerretDB projects each document after decoding it (a quarter more of its CPU than whole
    # documents), and pushes an equality on `locale` down to PostgreSQL.
    audience, _, store = _audience_and_store(_pages(1, 2))
    assert len([r async for r in audience.of_campaign("c-1", confirmed_only=False)]) == 2
    # The same cursor, read to its end already: only what was asked of the store matters here.
    assert [r async for r in audience.of_campaign("c-1", confirmed_only=False, locale="en")] == []
    assert store.asked == [
        ({"campaign_id": "c-1", "newsletter_opt_in": True}, None),
        ({"campaign_id": "c-1", "newsletter_opt_in": True, "locale": "en"}, None),
    ]


class _Tombstones:
    def __init__(self, erased: dict[str, datetime]) -> None:
        self.erased = erased
        self.asked: list[Any] = []

    def find(self, *args: Any, **kwargs: Any) -> _Cursor:
        self.asked.append(args)
        docs = [{"_id": h, "erased_at": at} for h, at in self.erased.items()]
        return _Cursor([docs])


async def test_a_mailing_to_the_confirmed_only_reads_the_tombstones_once() -> None:
    # FerretDB pushes no `$in` down: a lookup per page of the audience decoded every tombstone
    # each time (100 times for 100,000 recipients).
    at = datetime(2026, 3, 1, tzinfo=UTC)
    pages = [
        [{"supporter_key": f"k{p}-{n}", "email_hash": f"h{p}-{n}"} for n in range(3)]
        for p in range(4)
    ]
    tombstones = _Tombstones({"h1-2": at, "h3-0": at, "h-someone-else": at})
    cursor = _Cursor(pages)
    db: dict[str, Any] = defaultdict(
        object, {RECIPIENTS: _Recipients(cursor), ERASURES: tombstones}
    )
    audience = AudienceRepository(db)  # type: ignore[arg-type]
    read = [r async for r in audience.of_campaign("c-1", confirmed_only=True)]
    assert len(read) == 12
    assert {r["email_hash"]: r[ERASED_AT] for r in read if ERASED_AT in r} == {
        "h1-2": at,
        "h3-0": at,
    }
    assert len(tombstones.asked) == 1
