"""Every dependency of every route is a coroutine (or an object whose __call__ is one): FastAPI runs
a plain function dependency in a worker thread, per request. One such (the pages' language) cost
the campaign page ~25 % of its requests per second (bench page: 4,080 to 4,451 req/s against
5,217 to 5,583 without it)."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts

from tests.access_routes import apps


def _blocking(dependant: Dependant) -> Iterator[str]:
    for dependency in dependant.dependencies:
        call = dependency.call
        # A class instance (HTTPBearer, …) is awaited through its __call__.
        method = type(call).__call__ if not inspect.isfunction(call) else None
        if not (inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(method)):
            yield getattr(call, "__qualname__", repr(call))
        yield from _blocking(dependency)


@pytest.mark.parametrize("service", ["signup", "mailer", "counter", "console"])
def test_no_route_depends_on_a_plain_function(service: str) -> None:
    app = apps()[service]
    routes = list(iter_route_contexts(app.routes))
    assert len(routes) >= 10
    found = {
        f"{getattr(route, 'path', '')}: {name}"
        for route in routes
        if (dependant := getattr(route, "dependant", None)) is not None
        for name in _blocking(dependant)
    }
    assert found == set(), f"{service}: dependencies run in a worker thread: {sorted(found)}"
