"""`make run` runs each owner's retention job at start (then hourly) through retention-schedule,
which stops cleanly on SIGTERM like every process make run starts."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from devstack.apps import APPS
from devstack.config import StackConfig


def test_retention_schedule_runs_every_job_at_start_and_stops_on_sigterm(
    stack: StackConfig, unique: str
) -> None:
    assert "retention-schedule" in {a.name for a in APPS}
    env = {
        **os.environ,
        "MOBILISE_MONGO_URL": stack.mongo_url,
        "MOBILISE_REDIS_URL": stack.redis_url,
        "MOBILISE_LOG_FORMAT": "json",
        "SIGNUP_MONGO_DATABASE": f"test_{unique}",
        "MAILER_MONGO_DATABASE": f"test_{unique}",
        "MOBILISE_RETENTION_EVERY_S": "3600",
    }
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "retention-schedule")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    output = process.stdout
    assert output is not None

    def read() -> None:
        for line in output:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    applied: set[str] = set()
    try:
        deadline = time.monotonic() + 60
        while applied != {"signup-retention", "mailer-retention"}:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            if line.startswith("{") and json.loads(line)["event"] == "retention applied":
                applied.add(json.loads(line)["service"])
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
