"""PostgreSQL clusters kept outside their checkout (postgres.data_dir: in the server user's home,
one folder per checkout, named by a hash of its state folder). Each folder records the state
folder it serves, so that `devstack clean` removes its own and devstack removes those whose
checkout is gone; a folder without that record (made before it existed) is never removed."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

OWNER = "checkout"  # the file in each cluster folder naming the state folder it serves


def record_owner(folder: Path, state: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / OWNER).write_text(f"{state.resolve()}\n")


def owner(folder: Path) -> Path | None:
    try:
        recorded = (folder / OWNER).read_text().strip()
    except OSError:
        return None
    return Path(recorded) if recorded else None


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def running(folder: Path, alive: Callable[[int], bool] = pid_alive) -> bool:
    """A server runs on the cluster: its postmaster.pid names a living process (a pid reused by
    another process counts as running too: the folder is then kept, never wrongly removed)."""
    try:
        pid = int((folder / "data" / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return False
    return alive(pid)


def orphaned(folder: Path, alive: Callable[[int], bool] = pid_alive) -> bool:
    """The checkout it serves is gone and no server runs on it."""
    served = owner(folder)
    return served is not None and not served.exists() and not running(folder, alive)


def remove_orphans(home: Path, alive: Callable[[int], bool] = pid_alive) -> list[Path]:
    """Removes the orphaned cluster folders in `home`; returns them."""
    if not home.is_dir():
        return []
    removed = [f for f in sorted(home.iterdir()) if f.is_dir() and orphaned(f, alive)]
    for folder in removed:
        shutil.rmtree(folder, ignore_errors=True)
    return removed


def remove_own(folder: Path, alive: Callable[[int], bool] = pid_alive) -> bool:
    """Removes this checkout's cluster folder unless a server still runs on it."""
    if not folder.is_dir() or running(folder, alive):
        return False
    shutil.rmtree(folder)
    return True
