"""FastAPI dependencies every service needs alike: its composition root, typed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from fastapi import Request

S = TypeVar("S")
T = TypeVar("T")


def composed(kind: type[T]) -> Callable[[Request], Awaitable[T]]:
    """A dependency giving the service's composition root (its bootstrap.py's object), which
    create_app keeps as `app.state.services`: the only thing a service keeps there."""

    async def dependency(request: Request) -> T:
        return services_of(request, kind)

    return dependency


def services_of(request: Request, kind: type[T]) -> T:
    """The composition root, for code that has the request but is no dependency (page helpers)."""
    services = request.app.state.services
    if not isinstance(services, kind):
        raise TypeError(f"app.state.services is not a {kind.__name__}")
    return services


def part_of(kind: type[S], get: Callable[[S], T]) -> Callable[[Request], Awaitable[T]]:
    """A dependency giving one part of the composition root: `get(services)`."""

    async def dependency(request: Request) -> T:
        return get(services_of(request, kind))

    return dependency
