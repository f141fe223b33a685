"""A load client for Server-Sent Events: many viewers on plain sockets, each noting when it first
saw each value of `signed`. Each viewer is an asyncio.Protocol (no task, no readline and no JSON
decoding per event: the client holding 10,000 streams must cost far less than the server it
measures, or its own lateness shows as the server's lag)."""

from __future__ import annotations

import asyncio
import collections
import gc
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

WAVE = 250  # connections opened at once: the server's accept backlog is not the thing measured
# The top-level `signed` of an event's totals: both servers write it before any breakdown (the
# totals' field order: slug, goal, signed, …). Were that order to change, the breakdown's first
# count would be read instead, the changes would never all be seen, and the run would fail.
_SIGNED = re.compile(rb'^data: \{[^\n]*?"signed": ?(\d+)', re.MULTILINE)


@dataclass
class Viewer:
    seen: dict[int, float] = field(default_factory=dict)  # signed value -> first seen at
    failed: str | None = None


class _Stream(asyncio.Protocol):
    """One viewer's connection: the request, then every event line as it comes."""

    def __init__(self, audience: Audience, viewer: Viewer) -> None:
        self._audience, self._viewer = audience, viewer
        self._pending = b""
        self._started = False
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(
            f"GET {self._audience.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Accept: text/event-stream\r\n\r\n".encode()
        )

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        data = self._pending + data
        end = data.rfind(b"\n") + 1
        self._pending = data[end:]
        if not self._started:
            if not data.startswith(b"HTTP/1.1 200 "):
                self._fail(data.split(b"\r\n", 1)[0].decode(errors="replace"))
                return
            self._started = True
        for match in _SIGNED.finditer(data, 0, end):
            signed = int(match[1])
            if signed not in self._viewer.seen:
                self._viewer.seen[signed] = now
                self._audience.saw[signed] += 1

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(repr(exc) if exc else "the server closed the stream")

    def _fail(self, reason: str) -> None:
        if self._viewer.failed is None:
            self._viewer.failed = reason
            self._audience.failures += 1
        if self.transport is not None:
            self.transport.close()


@dataclass
class Audience:
    """`count` viewers of one stream URL path on 127.0.0.1:`port`, until closed."""

    port: int
    path: str
    count: int
    viewers: list[Viewer] = field(default_factory=list)
    saw: collections.Counter[int] = field(default_factory=collections.Counter)
    failures: int = 0
    _streams: list[_Stream] = field(default_factory=list)

    async def open(self, *, timeout_s: float = 120) -> None:
        """Connects every viewer and waits until each has its first event (bounded). The
        client's own garbage collection is off until close(): a pause of the load client
        holding 10,000 streams would show as the server's lag."""
        gc.disable()
        loop = asyncio.get_running_loop()
        for start in range(0, self.count, WAVE):
            wave = [Viewer() for _ in range(start, min(self.count, start + WAVE))]
            self.viewers += wave
            await asyncio.gather(*(self._connect(loop, viewer) for viewer in wave))
            await self._until(
                lambda: sum(bool(v.seen or v.failed) for v in self.viewers), timeout_s
            )
        failed = [v.failed for v in self.viewers if v.failed]
        if failed:
            raise RuntimeError(f"{len(failed)} viewers failed to connect, e.g. {failed[0]}")

    async def _connect(self, loop: asyncio.AbstractEventLoop, viewer: Viewer) -> None:
        stream = _Stream(self, viewer)
        try:
            await loop.create_connection(lambda: stream, "127.0.0.1", self.port)
        except OSError as error:
            viewer.failed = repr(error)
            self.failures += 1
        self._streams.append(stream)

    async def until_all_saw(self, signed: int, timeout_s: float) -> None:
        await self._until(lambda: self.saw[signed] + self.failures, timeout_s, self.count)

    async def _until(self, done: Callable[[], int], timeout_s: float, count: int = 0) -> None:
        deadline = time.monotonic() + timeout_s
        while done() < (count or len(self.viewers)):
            if time.monotonic() > deadline:
                return
            await asyncio.sleep(0.05)

    async def close(self) -> None:
        for stream in self._streams:
            if stream.transport is not None:
                stream.transport.close()
        await asyncio.sleep(0)
        gc.enable()


def lags(audience: Audience, changed_at: dict[int, float]) -> list[float]:
    """Seconds from each change to each viewer's seeing it (a viewer that never saw one counts
    with an infinite lag)."""
    return [
        viewer.seen.get(signed, float("inf")) - at
        for signed, at in changed_at.items()
        for viewer in audience.viewers
    ]


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]
