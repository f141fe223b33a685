"""FastAPI dependencies every service needs alike."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar, cast

from fastapi import Request

T = TypeVar("T")


def app_state(name: str, kind: type[T]) -> Callable[[Request], Awaitable[T]]:
    """A dependency giving `request.app.state.<name>`, put there by create_app (`kind` tells
    the type checker what it is). Async: FastAPI would run a plain `def` dependency in a thread,
    a hop per request for nothing."""

    async def dependency(request: Request) -> T:
        return cast(T, getattr(request.app.state, name))

    return dependency
