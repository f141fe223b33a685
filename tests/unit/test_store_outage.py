"""A store outage is waited out with bounded backoff, visible in metrics, and only a store
outage: any other error is the caller's at once."""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client import REGISTRY
from pymongo.errors import AutoReconnect, OperationFailure, ServerSelectionTimeoutError

from mobilise_runtime import store_outage
from mobilise_runtime.store_outage import ride_out, ride_out_blocking


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_outage, "FIRST_DELAY_S", 0.01)
    monkeypatch.setattr(store_outage, "MAX_DELAY_S", 0.02)


def _metric(name: str, process: str) -> float | None:
    return REGISTRY.get_sample_value(name, {"process": process})


class Flaky:
    """Fails `times` times with `error`, then answers."""

    def __init__(self, times: int, error: Exception) -> None:
        self.left = times
        self.error = error
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.left:
            self.left -= 1
            raise self.error
        return "written"

    async def async_call(self) -> str:
        return self()


async def test_a_call_is_tried_again_until_the_store_answers() -> None:
    flaky = Flaky(3, ServerSelectionTimeoutError("127.0.0.1:27017: connection refused"))
    seen: list[float | None] = []

    async def call() -> str:
        seen.append(_metric("mobilise_store_unavailable", "t-async"))
        return await flaky.async_call()

    got = await ride_out(call, process="t-async", what="a batch", stop=asyncio.Event())
    assert (got, flaky.calls) == ("written", 4)
    assert seen[1:] == [1.0, 1.0, 1.0]  # unavailable while it waited
    assert _metric("mobilise_store_unavailable", "t-async") == 0.0
    assert _metric("mobilise_store_retries_total", "t-async") == 3.0


async def test_a_stop_ends_the_wait_with_the_stores_error() -> None:
    stop = asyncio.Event()
    flaky = Flaky(1000, AutoReconnect("connection closed"))

    async def call() -> str:
        if flaky.calls == 2:
            stop.set()
        return await flaky.async_call()

    with pytest.raises(AutoReconnect):
        await ride_out(call, process="t-stop", what="a batch", stop=stop)
    assert flaky.calls == 3


async def test_other_errors_are_not_waited_out_unless_named() -> None:
    with pytest.raises(ValueError, match="bad"):
        await ride_out(
            Flaky(1, ValueError("bad")).async_call, process="t", what="x", stop=asyncio.Event()
        )
    named = Flaky(2, LookupError("signup did not answer"))
    got = await ride_out(
        named.async_call, process="t", what="x", stop=asyncio.Event(), also=(LookupError,)
    )
    assert got == "written"


def test_blocking_code_waits_within_its_bound() -> None:
    assert ride_out_blocking(Flaky(2, AutoReconnect("x")), process="t-b", what="x", within_s=5)
    forever = Flaky(10_000, AutoReconnect("x"))
    with pytest.raises(AutoReconnect):
        ride_out_blocking(forever, process="t-b", what="x", within_s=0.2)
    assert 3 < forever.calls < 100


async def test_ferretdb_cancelling_requests_as_it_stops_is_an_outage() -> None:
    """FerretDB stopping answers what it was serving InternalError "context canceled" (the fault
    suite's FerretDB scenario, seed 920162: signup-projector exited on it)."""
    canceled = OperationFailure(
        "[msg_insert.go:168 handler.(*Handler).MsgInsert] [db.go:134 fsql.(*DB).InTransaction] "
        "context canceled",
        code=1,
    )
    flaky = Flaky(2, canceled)
    got = await ride_out(flaky.async_call, process="t-c", what="x", stop=asyncio.Event())
    assert (got, flaky.calls) == ("written", 3)
    assert ride_out_blocking(Flaky(1, canceled), process="t-c", what="x", within_s=5)
    other = OperationFailure("InternalError: something else", code=1)
    with pytest.raises(OperationFailure, match="something else"):
        await ride_out(Flaky(1, other).async_call, process="t", what="x", stop=asyncio.Event())
