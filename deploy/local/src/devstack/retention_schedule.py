"""retention-schedule: how `make run` schedules the retention jobs — each owner's job
(`signup-retention`, `mailer-retention`) at start, then every `MOBILISE_RETENTION_EVERY_S`
(3600). A failed run (the signup service not answering mailer-retention yet, during start-up) is
tried again a minute later. Production schedules the same console scripts as cron jobs
(a Kubernetes CronJob, a compose service run by cron): see docs/privacy.md."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import FrameType

JOBS = ("signup-retention", "mailer-retention")
SCRIPTS = Path(sys.executable).parent
RETRY_S = 60.0


def run_jobs() -> bool:
    """Each job once, its output ours; whether all succeeded."""
    ok = True
    for job in JOBS:
        done = subprocess.run([str(SCRIPTS / job)], stdin=subprocess.DEVNULL, check=False)
        if done.returncode != 0:
            print(f"{job} exited with status {done.returncode}: tried again later", flush=True)
            ok = False
    return ok


def main() -> None:
    every = float(os.environ.get("MOBILISE_RETENTION_EVERY_S", "3600"))
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)
    while not stop.is_set():
        wait = every if run_jobs() else min(every, RETRY_S)
        stop.wait(wait)
