"""service_api's lifespan closes the composition root on every way out, a failed start
included: what the start opened before it failed (connection pools, clients) is closed."""

from __future__ import annotations

import pytest

from mobilise_runtime.api import service_api


class _Services:
    def __init__(self) -> None:
        self.closed = 0

    async def close(self) -> None:
        self.closed += 1


async def _failing_start() -> None:
    raise ConnectionError("the store is not there")


async def test_a_start_that_fails_closes_the_services() -> None:
    services = _Services()
    app = service_api(
        "test-api",
        services,
        description="",
        routers=[],
        checks={},
        probe_timeout=1.0,
        start=_failing_start,
    )
    with pytest.raises(ConnectionError):
        async with app.router.lifespan_context(app):
            pass
    assert services.closed == 1


async def test_a_stopped_app_closes_the_services_once() -> None:
    services = _Services()
    app = service_api(
        "test-api", services, description="", routers=[], checks={}, probe_timeout=1.0
    )
    async with app.router.lifespan_context(app):
        assert services.closed == 0
    assert services.closed == 1
