"""Live totals for many viewers at once: one watcher per watched campaign looks at its totals
every few hundred milliseconds and, when they change, encodes them once and wakes every viewer of
that campaign; it also wakes them every `ping_s` for a keep-alive. A viewer costs one future it
waits on and a place in a set: no read, comparison, encoding or timer of its own (a timer per
viewer and per wait filled the collector's oldest generation: 10,000 viewers on one process,
bench/counter_viewers.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from counter.domain.errors import Unavailable
from counter.schemas.totals import TotalsOut
from mobilise_runtime.logging import get_logger

log = get_logger(__name__)
Load = Callable[[], Awaitable[TotalsOut]]
Stopping = Callable[[], bool]


@dataclass(eq=False)
class _Channel:
    """A campaign's latest totals (and their JSON), a version that grows with each change, and
    the viewers to wake at each change."""

    latest: TotalsOut
    json: str
    version: int = 0
    pings: int = 0
    viewers: set[Viewer] = field(default_factory=set)
    watcher: asyncio.Task[None] | None = None

    def publish(self, totals: TotalsOut) -> None:
        self.latest, self.json, self.version = totals, totals.model_dump_json(), self.version + 1
        self.wake()

    def ping(self) -> None:
        self.pings += 1
        self.wake()

    def wake(self) -> None:
        for viewer in self.viewers:
            viewer.wake()


class Viewer:
    """One viewer's place in a campaign's channel: what it has seen, and the future it waits on
    (resolved by a change, a ping, the server stopping, or the viewer's own `wake()`)."""

    __slots__ = ("_broadcast", "_channel", "_key", "_pinged", "_seen", "_waiter")

    def __init__(self, broadcast: Broadcast, key: str, channel: _Channel, seen: int | None) -> None:
        self._broadcast, self._key, self._channel, self._seen = broadcast, key, channel, seen
        self._pinged = channel.pings
        self._waiter: asyncio.Future[None] | None = None

    def stopping(self) -> bool:
        return self._broadcast.stopping()

    def pending(self) -> str | None:
        """The totals' JSON if they changed since this viewer last took them (then taken)."""
        if self._seen == self._channel.version:
            return None
        self._seen = self._channel.version
        return self._channel.json

    def ping_due(self) -> bool:
        """Whether a keep-alive is due since this viewer last sent one (then sent)."""
        if self._pinged == self._channel.pings:
            return False
        self._pinged = self._channel.pings
        return True

    async def wait(self) -> None:
        """Until woken, unless a change or a ping is already waiting."""
        channel = self._channel
        if self._seen != channel.version or self._pinged != channel.pings:
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiter = waiter
        try:
            await waiter
        finally:
            self._waiter = None

    def wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def leave(self) -> None:
        self._broadcast._leave(self._key, self._channel, self)


class Broadcast:
    """`stopping()`: the server is shutting down, and every viewer is woken to end its stream."""

    def __init__(self, every_s: float, stopping: Stopping, *, ping_s: float) -> None:
        self._every_s = every_s
        self._ping_s = ping_s
        self.stopping = stopping
        self._channels: dict[str, _Channel] = {}

    def join(self, key: str, load: Load, *, after: TotalsOut) -> Viewer:
        """A viewer of `key`'s totals that has seen `after`: its pending() gives each change
        after those (changes between two looks coalesced). The viewer must leave()."""
        channel = self._channels.get(key)
        if channel is None:
            channel = self._channels[key] = _Channel(after, after.model_dump_json())
            channel.watcher = asyncio.create_task(self._watch(key, channel, load))
        viewer = Viewer(self, key, channel, channel.version if channel.latest == after else None)
        channel.viewers.add(viewer)
        return viewer

    def _leave(self, key: str, channel: _Channel, viewer: Viewer) -> None:
        channel.viewers.discard(viewer)
        if not channel.viewers and self._channels.get(key) is channel:
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
        loop = asyncio.get_running_loop()
        pinged_at = loop.time()
        while True:
            await asyncio.sleep(self._every_s)
            if self.stopping():
                channel.wake()  # the server is shutting down: its viewers end their streams
            if loop.time() - pinged_at >= self._ping_s:
                pinged_at = loop.time()
                channel.ping()
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
