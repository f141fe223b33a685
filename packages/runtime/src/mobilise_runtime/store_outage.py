"""Riding out a store outage (FerretDB or MongoDB stopped, restarted, unreachable for a while):
the call is tried again with bounded backoff until the store answers, instead of the process
exiting. `make run` stops the whole stack when one process exits, so a crash-only consumer turned
a store blip into an outage of everything.

Only errors that say the store could not be reached (or lost the connection mid-call) are ridden
out; any other error is the caller's. The call must be safe to repeat: a write whose answer was
lost may have been applied (consumers' writes are idempotent, their offsets committed only after
the batch). While an outage lasts, `mobilise_store_unavailable{process}` is 1 and each retry
counts in `mobilise_store_retries_total{process}`."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from prometheus_client import Counter, Gauge
from pymongo.errors import ConnectionFailure, OperationFailure

from mobilise_runtime.logging import get_logger

log = get_logger(__name__)
T = TypeVar("T")

# PyMongo's errors for "no answer from the store": AutoReconnect (its NetworkTimeout,
# NotPrimaryError — MongoDB shutting down answers "shutdown in progress" — and
# ServerSelectionTimeoutError) and WaitQueueTimeoutError all derive from it.
STORE_UNAVAILABLE: tuple[type[Exception], ...] = (ConnectionFailure,)
# FerretDB stopping (SIGTERM) cancels the requests it is serving and answers them InternalError
# (code 1) "… context canceled": the store going away, not anything wrong with the request.
INTERNAL_ERROR = 1


def unavailable(exc: Exception) -> bool:
    """Whether `exc` says the store could not serve the call (stopped, restarting, unreachable)."""
    if isinstance(exc, STORE_UNAVAILABLE):
        return True
    return (
        isinstance(exc, OperationFailure)
        and exc.code == INTERNAL_ERROR
        and "context canceled" in str(exc)
    )


FIRST_DELAY_S = 0.5
MAX_DELAY_S = 5.0

UNAVAILABLE = Gauge(
    "mobilise_store_unavailable",
    "1 while this process waits for the store (MongoDB/FerretDB) to answer again",
    ["process"],
)
RETRIES = Counter(
    "mobilise_store_retries_total",
    "Calls tried again because the store (MongoDB/FerretDB) did not answer",
    ["process"],
)


class Backoff:
    """The delays of one outage (doubling, at most MAX_DELAY_S), its log lines and metrics."""

    def __init__(self, process: str, what: str) -> None:
        self._process = process
        self._what = what
        self._delay = FIRST_DELAY_S
        self._since: float | None = None

    def failed(self, exc: Exception) -> float:
        """Records a failed try; returns how long to wait before the next."""
        if self._since is None:
            self._since = time.monotonic()
            UNAVAILABLE.labels(self._process).set(1)
        RETRIES.labels(self._process).inc()
        delay = self._delay
        log.warning(
            "store unavailable: trying again",
            what=self._what,
            retry_in_s=delay,
            down_for_s=round(time.monotonic() - self._since, 1),
            error=f"{type(exc).__name__}: {str(exc)[:200]}",
        )
        self._delay = min(self._delay * 2, MAX_DELAY_S)
        return delay

    def succeeded(self) -> None:
        if self._since is not None:
            UNAVAILABLE.labels(self._process).set(0)
            log.info(
                "store available again",
                what=self._what,
                down_for_s=round(time.monotonic() - self._since, 1),
            )
            self._since = None
            self._delay = FIRST_DELAY_S


async def ride_out(
    call: Callable[[], Awaitable[T]],
    *,
    process: str,
    what: str,
    stop: asyncio.Event,
    also: tuple[type[Exception], ...] = (),
) -> T:
    """`call()`, tried again while the store is unavailable (or `also` is raised: another
    service the call needs did not answer), until it answers or `stop` is set (then the last
    error is raised: the caller ends without recording anything)."""
    backoff = Backoff(process, what)
    while True:
        try:
            result = await call()
        except Exception as exc:
            if not (unavailable(exc) or isinstance(exc, also)) or stop.is_set():
                raise
            delay = backoff.failed(exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)
            continue
        backoff.succeeded()
        return result


def ride_out_blocking(call: Callable[[], T], *, process: str, what: str, within_s: float) -> T:
    """The same for blocking code (the Celery worker's tasks), for at most `within_s` (a worker
    asked to stop waits for its task: the wait has to end); then the last error is raised."""
    backoff = Backoff(process, what)
    deadline = time.monotonic() + within_s
    while True:
        try:
            result = call()
        except Exception as exc:
            if not unavailable(exc):
                raise
            delay = backoff.failed(exc)
            if time.monotonic() + delay > deadline:
                raise
            time.sleep(delay)
            continue
        backoff.succeeded()
        return result
