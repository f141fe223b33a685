"""uvicorn's httptools protocol with lighter connections, for a process holding thousands of
long-lived responses (counter-api's live totals: bench/counter_viewers.py). Measured with
tracemalloc, uvicorn 0.54 keeps three `collections.deque`s per connection, ~760 bytes each even
when empty: the waiters of the request's `message_event` and of the flow control's
`_is_writable_event` (two `asyncio.Event`s), and the queue of pipelined requests. Here the events
keep their waiters in a list and the queue is a list: ~2 KB less a connection, the same
behaviour. It replaces attributes of uvicorn's own objects, so it follows uvicorn's pin
(requirements/runtime.txt): tests/unit/test_lean_http.py serves requests through it (keep-alive,
pipelined, in pieces, with a body), to be run again on any upgrade."""

from __future__ import annotations

import asyncio
from typing import Any

import httptools
from uvicorn.protocols.http.flow_control import FlowControl
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class ListEvent:
    """What uvicorn asks of an `asyncio.Event` (set, clear, is_set, wait), its waiters in a list
    (an empty list is 56 bytes; a deque, 760)."""

    __slots__ = ("_set", "_waiters")

    def __init__(self) -> None:
        self._set = False
        self._waiters: list[asyncio.Future[None]] = []

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        if not self._set:
            self._set = True
            for waiter in self._waiters:
                if not waiter.done():
                    waiter.set_result(None)

    def clear(self) -> None:
        self._set = False

    async def wait(self) -> bool:
        if self._set:
            return True
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
            return True
        finally:
            self._waiters.remove(waiter)


class _Pipeline(list[Any]):
    """The pipelined requests waiting their turn, oldest last: what uvicorn does with its deque."""

    __slots__ = ()

    def appendleft(self, item: Any) -> None:
        self.insert(0, item)


class LeanHttpToolsProtocol(HttpToolsProtocol):
    """Also: a connection between two requests, or whose request was read whole and is being
    answered (an event stream, for hours), holds no parser (~900 bytes): one is made when bytes
    come. A parser that has read whole messages, and nothing of the next, is as new."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pipeline = _Pipeline()  # type: ignore[assignment]
        self.parser = None  # type: ignore[assignment]
        self._within_message = False

    def data_received(self, data: bytes) -> None:
        parser: httptools.HttpRequestParser | None = self.parser
        if parser is None:
            self.parser = httptools.HttpRequestParser(self)
            self.parser.set_dangerous_leniencies(lenient_data_after_close=True)
        super().data_received(data)
        if not self._within_message:
            self.parser = None  # type: ignore[assignment]

    def on_message_begin(self) -> None:
        self._within_message = True
        super().on_message_begin()

    def on_message_complete(self) -> None:
        self._within_message = False
        super().on_message_complete()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        _lighten(self.flow)

    def on_headers_complete(self) -> None:
        before = self.cycle
        super().on_headers_complete()
        # A new request's cycle, not yet run (its task starts at the loop's next turn) and not
        # yet told of a body: nobody waits on its event yet.
        if self.cycle is not before:
            self.cycle.message_event = ListEvent()  # type: ignore[assignment]


def _lighten(flow: FlowControl) -> None:
    writable = ListEvent()
    if flow._is_writable_event.is_set():
        writable.set()
    flow._is_writable_event = writable  # type: ignore[assignment]
