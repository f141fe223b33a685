"""The live totals' broadcast: however many viewers a campaign has, its totals are looked at once
per interval and encoded once per change; each viewer gets every change (coalesced), and the
watcher goes with the last viewer."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable

from counter.application.broadcast import Broadcast
from counter.domain.errors import Unavailable
from counter.domain.totals_document import zero_counts
from counter.schemas.totals import TotalsOut
from tests.unit import polling

EVERY_S = 0.01


class JsonFrames:
    """Frames a test reads back: the totals' JSON, and a fixed keep-alive."""

    def change(self, totals: TotalsOut) -> bytes:
        return totals.model_dump_json().encode()

    def keep_alive(self) -> bytes:
        return b"ping"


def totals(signed: int) -> TotalsOut:
    """Nothing counted but `signed` pledges."""
    counted = {**zero_counts(), "signed": signed}
    return TotalsOut.model_validate({"slug": "c", "goal": 100, "updated_at": None, **counted})


class Store:
    def __init__(self) -> None:
        self.signed = 0
        self.loads = 0
        self.down = False

    async def load(self) -> TotalsOut:
        self.loads += 1
        if self.down:
            raise Unavailable("mongo", retry_after_s=1)
        return totals(self.signed)


async def watch(broadcast: Broadcast, store: Store, seen: list[int], stop: asyncio.Event) -> None:
    """A stream's loop, as counter.presentation.stream runs it: waiting for a client that never
    goes, woken for each change."""
    viewer = broadcast.join("c", store.load, after=totals(0))
    try:
        while True:
            changed = viewer.pending()
            if changed is not None:
                seen.append(TotalsOut.model_validate_json(changed).signed)
                continue
            if viewer.stopping():
                return
            with viewer.woken():
                await asyncio.Event().wait()
    finally:
        viewer.leave()


def all_saw(seen: list[list[int]], signed: int) -> bool:
    return all(s and s[-1] == signed for s in seen)


async def until(check: Callable[[], bool]) -> None:
    """A condition the broadcast makes true in its own time."""
    await polling.until(check, within_s=500 * EVERY_S, every_s=EVERY_S)


async def test_many_viewers_one_look_per_interval_and_every_change() -> None:
    stop = asyncio.Event()
    broadcast, store = Broadcast(EVERY_S, stop.is_set, ping_s=60, frames=JsonFrames()), Store()
    seen: list[list[int]] = [[] for _ in range(200)]
    viewers = [asyncio.create_task(watch(broadcast, store, s, stop)) for s in seen]
    for signed in (1, 2, 3):
        store.signed = signed
        await until(functools.partial(all_saw, seen, signed))
    looks, started = store.loads, time.monotonic()
    await asyncio.sleep(20 * EVERY_S)
    intervals = (time.monotonic() - started) / EVERY_S
    assert store.loads - looks <= intervals + 2, "one look per interval, not one per viewer"
    assert all(s == [1, 2, 3] for s in seen)
    stop.set()
    await until(lambda: all(v.done() for v in viewers))
    assert broadcast._channels == {}, "the watcher goes with the last viewer"


async def test_a_late_viewer_gets_the_current_totals_and_a_hiccup_ends_no_stream() -> None:
    stop = asyncio.Event()
    broadcast, store = Broadcast(EVERY_S, stop.is_set, ping_s=60, frames=JsonFrames()), Store()
    first: list[int] = []
    task = asyncio.create_task(watch(broadcast, store, first, stop))
    store.signed = 5
    await until(lambda: first == [5])
    late: list[int] = []  # read 0 before connecting, while the channel already has 5
    late_task = asyncio.create_task(watch(broadcast, store, late, stop))
    await until(lambda: late == [5])
    store.down = True
    await asyncio.sleep(10 * EVERY_S)
    store.down, store.signed = False, 6
    await until(lambda: first == [5, 6] and late == [5, 6])
    stop.set()
    await asyncio.gather(task, late_task)


async def test_a_viewer_that_goes_away_leaves_the_others_watching() -> None:
    stop = asyncio.Event()
    broadcast, store = Broadcast(EVERY_S, stop.is_set, ping_s=60, frames=JsonFrames()), Store()
    staying: list[int] = []
    stays = asyncio.create_task(watch(broadcast, store, staying, stop))
    leaves = asyncio.create_task(watch(broadcast, store, [], asyncio.Event()))
    await asyncio.sleep(5 * EVERY_S)
    leaves.cancel()  # the client went: only its own wait is cancelled
    await asyncio.gather(leaves, return_exceptions=True)
    store.signed = 7
    await until(lambda: staying == [7])
    stop.set()
    await stays


async def test_the_watcher_wakes_every_viewer_for_a_keep_alive_every_ping_interval() -> None:
    stop = asyncio.Event()
    broadcast, store = (
        Broadcast(EVERY_S, stop.is_set, ping_s=5 * EVERY_S, frames=JsonFrames()),
        Store(),
    )
    viewers = [broadcast.join("c", store.load, after=totals(0)) for _ in range(3)]
    pinged = [0, 0, 0]

    async def keep_alive(n: int) -> None:
        while not viewers[n].stopping():
            if viewers[n].ping_due():
                pinged[n] += 1
                continue
            with viewers[n].woken():
                await asyncio.Event().wait()

    tasks = [asyncio.create_task(keep_alive(n)) for n in range(3)]
    await until(lambda: min(pinged) >= 2)
    assert all(v.pending() is None for v in viewers), "a ping is not a change"
    stop.set()
    await until(lambda: all(t.done() for t in tasks))
    for viewer in viewers:
        viewer.leave()
    assert broadcast._channels == {}


async def test_a_wake_up_ends_only_the_wait_in_woken_and_a_real_cancellation_still_cancels() -> (
    None
):
    broadcast = Broadcast(60, lambda: False, ping_s=60, frames=JsonFrames())
    viewer = broadcast.join("c", Store().load, after=totals(0))

    async def wait() -> str:
        with viewer.woken():
            await asyncio.sleep(30)
            return "slept"
        return "woken"

    task = asyncio.create_task(wait())
    await asyncio.sleep(0)
    viewer.wake()
    assert await task == "woken"
    assert task.cancelling() == 0

    viewer.wake()  # outside woken(): nothing to interrupt
    task = asyncio.create_task(wait())
    await asyncio.sleep(0)
    viewer.wake()
    task.cancel()  # e.g. the server giving up on its open requests, at the same moment
    await asyncio.gather(task, return_exceptions=True)
    assert task.cancelled()
    viewer.leave()
    await broadcast.close()
