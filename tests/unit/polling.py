"""Bounded polling for unit tests of work that tasks finish in their own time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def until(check: Callable[[], bool], *, within_s: float, every_s: float) -> None:
    """Returns once `check()` holds; fails after about `within_s` seconds of polling."""
    for _ in range(round(within_s / every_s)):
        if check():
            return
        await asyncio.sleep(every_s)
    raise AssertionError(f"not reached in {within_s:g} s")
