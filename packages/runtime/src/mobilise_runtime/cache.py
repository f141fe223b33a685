"""The in-process cache every service uses: bounded in size AND in time (whatever its keys, which
may come from anyone), and one load at a time per key: when many requests miss together
(dashboards polling the same campaign), one of them loads, the others wait for its answer instead
of each asking MongoDB or the signup service."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class TimedCache(Generic[K, V]):
    def __init__(self, *, max_entries: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()  # key → (expires, value)
        self._locks: dict[K, asyncio.Lock] = {}
        self._waiting: dict[K, int] = {}
        self._max_entries = max_entries
        self._clock = clock

    def fresh(self, key: K) -> tuple[V] | None:
        """(value,) if an unexpired one is kept, else None (a tuple: the value may be None)."""
        entry = self._entries.get(key)
        if entry is None or entry[0] <= self._clock():
            return None
        return (entry[1],)

    def stale(self, key: K) -> tuple[V] | None:
        """(value,) of the last load, expired or not."""
        entry = self._entries.get(key)
        return None if entry is None else (entry[1],)

    async def get(self, key: K, load: Callable[[], Awaitable[tuple[V, float]]]) -> V:
        """The kept value, or `load()`'s (value, seconds to keep it), loaded once for all
        callers that miss at the same time. The age counts from the start of the load, so a
        value is never served longer than its time to live after it was read."""
        hit = self.fresh(key)
        if hit is not None:
            return hit[0]
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                hit = self.fresh(key)
                if hit is not None:
                    return hit[0]
                started = self._clock()
                value, keep_s = await load()
                self._put(key, value, started + keep_s)
                return value
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                # Locks live only while someone waits: unknown keys leave nothing behind.
                del self._waiting[key], self._locks[key]

    def put(self, key: K, value: V, *, keep_s: float) -> None:
        self._put(key, value, self._clock() + keep_s)

    def pop(self, key: K) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def _put(self, key: K, value: V, expires: float) -> None:
        self._entries[key] = (expires, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
