"""Live totals for many viewers at once: one watcher per watched campaign looks at its totals
every few hundred milliseconds and, when they change, encodes them once and wakes every viewer of
that campaign. A viewer costs a waiting coroutine, not a read, a comparison and an encoding per
look (10,000 viewers of one campaign on one process: bench/counter_viewers.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from counter.domain.errors import Unavailable
from counter.schemas import TotalsOut
from mobilise_runtime.logging import get_logger

log = get_logger(__name__)
Load = Callable[[], Awaitable[TotalsOut]]
Stopping = Callable[[], bool]


@dataclass
class _Channel:
    """A campaign's latest totals (and their JSON), a version that grows with each change, and a
    future every viewer waits on, resolved (and replaced) at each change or when a viewer stops."""

    latest: TotalsOut
    json: str
    version: int = 0
    stopping: set[Stopping] = field(default_factory=set)
    watcher: asyncio.Task[None] | None = None
    _next: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    def publish(self, totals: TotalsOut) -> None:
        self.latest, self.json, self.version = totals, totals.model_dump_json(), self.version + 1
        self.wake()

    def wake(self) -> None:
        woken, self._next = self._next, _loop().create_future()
        woken.set_result(None)

    async def changed(self) -> None:
        # Shielded: a viewer that goes away cancels its own wait, not everyone's.
        await asyncio.shield(self._next)


def _loop() -> asyncio.AbstractEventLoop:
    return asyncio.get_running_loop()


class Broadcast:
    def __init__(self, every_s: float) -> None:
        self._every_s = every_s
        self._channels: dict[str, _Channel] = {}

    async def changes(
        self, key: str, load: Load, *, after: TotalsOut, stopping: Stopping
    ) -> AsyncIterator[str]:
        """The totals' JSON each time they differ from the last given (from `after`), until
        `stopping()` says so: changes between two looks are coalesced."""
        channel = self._channels.get(key)
        if channel is None:
            channel = self._channels[key] = _Channel(after, after.model_dump_json())
            channel.watcher = asyncio.create_task(self._watch(key, channel, load))
        channel.stopping.add(stopping)
        try:
            seen = None if channel.latest != after else channel.version
            while not stopping():
                if seen != channel.version:
                    seen = channel.version
                    yield channel.json
                    continue
                await channel.changed()
        finally:
            channel.stopping.discard(stopping)
            if not channel.stopping and self._channels.get(key) is channel:
                del self._channels[key]
                assert channel.watcher is not None
                channel.watcher.cancel()

    async def close(self) -> None:
        watchers = [c.watcher for c in self._channels.values() if c.watcher is not None]
        self._channels.clear()
        for watcher in watchers:
            watcher.cancel()
        await asyncio.gather(*watchers, return_exceptions=True)

    async def _watch(self, key: str, channel: _Channel, load: Load) -> None:
        unavailable = False
        while True:
            await asyncio.sleep(self._every_s)
            if any(stopping() for stopping in list(channel.stopping)):
                channel.wake()  # the server is shutting down: its viewers end their streams
            try:
                current = await load()
            except Unavailable:
                # The streams outlive a database hiccup: the dashboards keep their last numbers.
                if not unavailable:
                    log.warning("totals unavailable to the streams", campaign=key)
                unavailable = True
                continue
            except Exception:
                log.exception("totals watcher failed; trying again", campaign=key)
                continue
            unavailable = False
            if current != channel.latest:
                channel.publish(current)
