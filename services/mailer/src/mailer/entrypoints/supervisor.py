"""Keeps one child process running: started again whenever it exits by itself, stopped when
this process is told to stop. mailer-worker runs its Celery worker under it (worker.py says
why)."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from types import FrameType

from mobilise_runtime.logging import get_logger

# A child that ran this long before exiting was not failing at start: start it again at once.
STEADY_S = 60.0
FIRST_WAIT_S, LONGEST_WAIT_S = 0.5, 30.0

log = get_logger(__name__)


class Supervisor:
    """Runs `command` until told to stop (SIGTERM, SIGINT, SIGHUP: a warm shutdown, its tasks
    finished; SIGQUIT: a cold one), starting it again whenever it exits by itself, after a wait
    that doubles while it keeps failing within STEADY_S of its start."""

    def __init__(self, command: list[str]) -> None:
        self._command = command
        self._child: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()

    def _stop(self, signum: int, _frame: FrameType | None) -> None:
        self._stopping.set()
        # SIGTERM whatever the signal (Celery: a warm shutdown, twice is harmless): Ctrl-C
        # reaches the whole group, and a second SIGINT would be Celery's cold shutdown.
        forwarded = signal.SIGQUIT if signum == signal.SIGQUIT else signal.SIGTERM
        if self._child is not None and self._child.poll() is None:
            self._child.send_signal(forwarded)

    def run(self) -> int:
        """Until told to stop; the worker's last exit code (128 + the signal that ended it)."""
        stops = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT)
        before = {sig: signal.signal(sig, self._stop) for sig in stops}
        try:
            return self._supervise()
        finally:
            for sig, handler in before.items():
                signal.signal(sig, handler)

    def _supervise(self) -> int:
        wait = FIRST_WAIT_S
        while True:
            started = time.monotonic()
            # The same process group: a kill of the group (kill -9 of the role) takes both.
            self._child = subprocess.Popen(self._command)
            if self._stopping.is_set():  # told to stop while it was being started
                self._child.send_signal(signal.SIGTERM)
            code = self._child.wait()
            if self._stopping.is_set():
                return code if code >= 0 else 128 - code
            ran = time.monotonic() - started
            wait = FIRST_WAIT_S if ran >= STEADY_S else wait
            log.error("worker exited by itself: starting it again", code=code, ran_s=round(ran, 1))
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                if self._stopping.is_set():
                    return 0
                time.sleep(0.05)
            wait = min(wait * 2, LONGEST_WAIT_S)
