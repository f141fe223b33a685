"""Writers racing on the real store: their attempts started at the same moment, each through its
own client (the `racers` fixture), as separate processes would."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any


async def together(
    refused: tuple[type[BaseException], ...], attempts: list[Awaitable[Any]]
) -> list[Any]:
    """Runs the attempts (not started yet) at the same moment, lined up by a barrier; each one's
    result, or the `refused` exception it raised."""
    start = asyncio.Barrier(len(attempts))

    async def one(attempt: Awaitable[Any]) -> Any:
        await start.wait()
        try:
            return await attempt
        except refused as exc:
            return exc

    return list(await asyncio.gather(*(one(a) for a in attempts)))
