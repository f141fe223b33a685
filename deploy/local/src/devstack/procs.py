"""Background processes with pid files: started once, found again by a later devstack call,
stopped with their whole process group."""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict


def start_time(pid: int) -> str | None:
    """The kernel's start time of `pid` (None if gone or a zombie): a pid file whose process has
    a different start time belongs to a process that has since died and whose pid was reused."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] == "Z":
        return None
    return fields[19]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def wait_until(
    check: Callable[[], bool], *, timeout: float, what: str, interval: float = 0.25
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(interval)
    raise TimeoutError(f"{what}: not ready after {timeout:g}s")


@dataclass(frozen=True)
class Daemon:
    name: str
    run_dir: Path
    log_dir: Path

    @property
    def pidfile(self) -> Path:
        return self.run_dir / f"{self.name}.pid"

    @property
    def logfile(self) -> Path:
        return self.log_dir / f"{self.name}.log"

    @property
    def argvfile(self) -> Path:
        return self.run_dir / f"{self.name}.argv"

    def argv(self) -> list[str] | None:
        """The command line this daemon was started with (None if not recorded)."""
        try:
            recorded = json.loads(self.argvfile.read_text())
        except (OSError, ValueError):
            return None
        return [str(arg) for arg in recorded] if isinstance(recorded, list) else None

    def pid(self) -> int | None:
        """The running process this pid file names, if any."""
        try:
            pid_text, started = self.pidfile.read_text().split()
        except (OSError, ValueError):
            return None
        pid = int(pid_text)
        if start_time(pid) == started:
            return pid
        # Seen dead (gone or a zombie): only now collect it, so that a process dying between a
        # reap and the read above is never left behind as a zombie of ours.
        _reap(pid)
        return None

    def start(
        self, argv: Sequence[str], *, env: dict[str, str], cwd: Path, user: str | None = None
    ) -> int:
        """Start `argv` in a session of its own, as `user` if given (devstack then runs as root)."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with self.logfile.open("ab") as log:
            # Its own session: Ctrl-C in the terminal reaches devstack, which stops it in order.
            process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=cwd,
                start_new_session=True,
                **as_user(user),
            )
        started = start_time(process.pid)
        self.pidfile.write_text(f"{process.pid} {started}\n")
        self.argvfile.write_text(json.dumps(list(argv)))
        return process.pid

    def stop(self, timeout: float = 30.0) -> bool:
        """SIGTERM the process group, SIGKILL it after `timeout`; False if it was not running."""
        pid = self.pid()
        if pid is None:
            self.pidfile.unlink(missing_ok=True)
            self.argvfile.unlink(missing_ok=True)
            return False
        _signal_group(pid, signal.SIGTERM)

        def ended() -> bool:
            return self.pid() is None and group_ended(pid)

        try:
            wait_until(ended, timeout=timeout, what=self.name)
        except TimeoutError:
            _signal_group(pid, signal.SIGKILL)
            wait_until(ended, timeout=10, what=self.name)
        self.pidfile.unlink(missing_ok=True)
        self.argvfile.unlink(missing_ok=True)
        return True


class UserSwitch(TypedDict, total=False):
    user: int
    group: int
    extra_groups: list[int]


def as_user(user: str | None) -> UserSwitch:
    """subprocess arguments that run a child as `user`, with that user's group and no other."""
    if user is None:
        return {}
    entry = pwd.getpwnam(user)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)


def group_ended(pgid: int) -> bool:
    """Whether no live (non-zombie) process is left in process group `pgid`: a leader that has
    exited can leave children of its group running."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            return False
    return True


def _reap(pid: int) -> None:
    """Collect the exit status if `pid` is our own child, so it does not linger as a zombie."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
