"""A retention job as its own schedule (`--every SECONDS`, how docker-compose.yml runs them): it
applies the policy at start and again every SECONDS, and stops cleanly
on SIGTERM; a bad period is refused before anything runs."""

from __future__ import annotations

import subprocess
import time

from devstack.harness.processes import SCRIPTS, Running, service_env
from mobilise_runtime.settings import SharedSettings


def test_a_retention_job_repeats_until_sigterm(
    shared_settings: SharedSettings, unique: str
) -> None:
    env = service_env(shared_settings, SIGNUP_MONGO_DATABASE=f"test_{unique}")
    job = Running([str(SCRIPTS / "signup-retention"), "--every", "0.5"], env)
    try:
        deadline = time.monotonic() + 60
        while job.output().count("retention applied") < 3:
            assert job.process.poll() is None, job.output()[-3000:]
            assert time.monotonic() < deadline, job.output()[-3000:]
            time.sleep(0.1)
    finally:
        assert job.stop() == 0


def test_a_period_that_is_not_one_is_refused(shared_settings: SharedSettings) -> None:
    for bad in ("0", "-5", "hourly"):
        done = subprocess.run(
            [str(SCRIPTS / "signup-retention"), "--every", bad],
            env=service_env(shared_settings),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 2, done.stderr
        assert "--every" in done.stderr
        assert "retention applied" not in done.stdout + done.stderr
