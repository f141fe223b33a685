"""Runs a long-lived worker loop until SIGTERM or SIGINT, then lets it finish cleanly."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable

Loop = Callable[[asyncio.Event], Awaitable[None]]


def run_until_signalled(loop: Loop) -> None:
    async def main() -> None:
        stop = asyncio.Event()
        running = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            running.add_signal_handler(sig, stop.set)
        await loop(stop)

    asyncio.run(main())
