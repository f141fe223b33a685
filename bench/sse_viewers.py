"""A load client for Server-Sent Events: many viewers on plain sockets (cheap enough to hold
10,000 from one Python process), each noting when it first saw each value of `signed`."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

WAVE = 250  # connections opened at once: the server's accept backlog is not the thing measured


@dataclass
class Viewer:
    seen: dict[int, float] = field(default_factory=dict)  # signed value -> first seen at
    failed: str | None = None


@dataclass
class Audience:
    """`count` viewers of one stream URL path on 127.0.0.1:`port`, until closed."""

    port: int
    path: str
    count: int
    viewers: list[Viewer] = field(default_factory=list)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def open(self, *, timeout_s: float = 120) -> None:
        """Connects every viewer and waits until each has its first event (bounded). The
        client's own garbage collection is off until close(): a pause of the load client
        holding 10,000 streams would show as the server's lag."""
        gc.disable()
        for start in range(0, self.count, WAVE):
            for _ in range(start, min(self.count, start + WAVE)):
                viewer = Viewer()
                self.viewers.append(viewer)
                self._tasks.append(asyncio.create_task(self._watch(viewer)))
            await self._until(lambda v: bool(v.seen or v.failed), len(self.viewers), timeout_s)
        failed = [v.failed for v in self.viewers if v.failed]
        if failed:
            raise RuntimeError(f"{len(failed)} viewers failed to connect, e.g. {failed[0]}")

    async def until_all_saw(self, signed: int, timeout_s: float) -> None:
        await self._until(lambda v: signed in v.seen or bool(v.failed), self.count, timeout_s)

    async def _until(self, done: Callable[[Viewer], bool], count: int, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while sum(1 for v in self.viewers if done(v)) < count:
            if time.monotonic() > deadline:
                return
            await asyncio.sleep(0.05)

    async def close(self) -> None:
        gc.enable()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _watch(self, viewer: Viewer) -> None:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port, limit=2**20)
        except OSError as error:
            viewer.failed = repr(error)
            return
        try:
            writer.write(
                f"GET {self.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Accept: text/event-stream\r\n\r\n".encode()
            )
            status = await reader.readline()
            if b" 200 " not in status:
                viewer.failed = status.decode(errors="replace").strip()
                return
            while line := await reader.readline():
                if line.startswith(b"data: "):
                    signed = json.loads(line[6:])["signed"]
                    viewer.seen.setdefault(signed, time.perf_counter())
            viewer.failed = "the server closed the stream"
        except (OSError, asyncio.IncompleteReadError) as error:
            viewer.failed = repr(error)
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


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
