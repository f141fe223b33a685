"""Live totals for many viewers at once: one watcher per watched campaign looks at its totals
every few hundred milliseconds and, when they change, encodes them once (into the very bytes each
viewer writes: `Frames`) and wakes every viewer of that campaign; it also wakes them every
`ping_s` for a keep-alive, encoded once too. A viewer costs a place in a set: no future, read,
comparison, encoding or timer of its own (a timer per viewer and per wait filled
the collector's oldest generation: 10,000 viewers on one process, bench/counter_viewers.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Protocol

from counter.domain.errors import Unavailable
from counter.schemas.totals import TotalsOut
from mobilise_runtime.logging import get_logger

log = get_logger(__name__)
Load = Callable[[], Awaitable[TotalsOut]]
Stopping = Callable[[], bool]


class Frames(Protocol):
    """What a viewer writes for a change and for a keep-alive (counter.presentation.stream)."""

    def change(self, totals: TotalsOut) -> bytes: ...
    def keep_alive(self) -> bytes: ...


@dataclass(eq=False)
class _Channel:
    """A campaign's latest totals (and the frame that sends them), a version that grows with
    each change, the latest keep-alive frame, and the viewers to wake."""

    frames: Frames
    latest: TotalsOut
    frame: bytes
    version: int = 0
    pings: int = 0
    keep_alive: bytes = b""
    viewers: set[Viewer] = field(default_factory=set)
    watcher: asyncio.Task[None] | None = None

    def publish(self, totals: TotalsOut) -> None:
        self.latest, self.frame = totals, self.frames.change(totals)
        self.version += 1
        self.wake()

    def ping(self) -> None:
        self.keep_alive, self.pings = self.frames.keep_alive(), self.pings + 1
        self.wake()

    def wake(self) -> None:
        for viewer in self.viewers:
            viewer.wake()


class Viewer:
    """One viewer's place in a campaign's channel: what it has seen, and how its stream's task is
    woken while it waits for something else (its client going): `with viewer.woken(): await …`
    is interrupted by a change, a ping or the server stopping, as `asyncio.timeout` interrupts
    an await when its time comes (the task is cancelled, then uncancelled). So a stream is one
    task, the request's own, with no second one waiting for the client and no future per wait."""

    __slots__ = ("_broadcast", "_channel", "_key", "_pinged", "_seen", "_task", "_woken")

    def __init__(self, broadcast: Broadcast, key: str, channel: _Channel, seen: int | None) -> None:
        self._broadcast, self._key, self._channel, self._seen = broadcast, key, channel, seen
        self._pinged = channel.pings
        self._task: asyncio.Task[Any] | None = None  # while in woken()
        self._woken = False

    def stopping(self) -> bool:
        return self._broadcast.stopping()

    def pending(self) -> bytes | None:
        """The frame of the totals if they changed since this viewer last took them (then
        taken): the same bytes for every viewer."""
        if self._seen == self._channel.version:
            return None
        self._seen = self._channel.version
        return self._channel.frame

    def ping_due(self) -> bytes | None:
        """The keep-alive frame if one is due since this viewer last sent one (then sent)."""
        if self._pinged == self._channel.pings:
            return None
        self._pinged = self._channel.pings
        return self._channel.keep_alive

    def woken(self) -> Viewer:
        """A context in which the current task's await ends early, quietly, when this viewer is
        woken. Enter it only with nothing pending (pending(), ping_due() and stopping() looked
        at just before, with no await in between: a wake-up before entering is not kept)."""
        return self

    def __enter__(self) -> None:
        self._task = asyncio.current_task()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        self._task = None
        if not self._woken:
            return False
        self._woken = False
        # Only the cancellation this viewer asked for is swallowed, as asyncio.timeout does.
        task = asyncio.current_task()
        assert task is not None
        return task.uncancel() == 0 and kind is asyncio.CancelledError

    def wake(self) -> None:
        if self._task is not None and not self._woken:
            self._woken = True
            self._task.cancel()

    def leave(self) -> None:
        self._broadcast._leave(self._key, self._channel, self)


class Broadcast:
    """`stopping()`: the server is shutting down, and every viewer is woken to end its stream."""

    def __init__(
        self, every_s: float, stopping: Stopping, *, ping_s: float, frames: Frames
    ) -> None:
        self._every_s = every_s
        self._ping_s = ping_s
        self._frames = frames
        self.stopping = stopping
        self._channels: dict[str, _Channel] = {}

    def join(self, key: str, load: Load, *, after: TotalsOut) -> Viewer:
        """A viewer of `key`'s totals that has seen `after`: its pending() gives each change
        after those (changes between two looks coalesced). The viewer must leave()."""
        channel = self._channels.get(key)
        if channel is None:
            channel = self._channels[key] = _Channel(
                self._frames, after, self._frames.change(after)
            )
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
