"""devstack's own messages: one prefix, on stderr, so they stand out from the services' logs."""

from __future__ import annotations

import sys


def say(message: str) -> None:
    print(f"devstack: {message}", file=sys.stderr, flush=True)
