"""A Celery task round trip through the local Redis, executed by a real `mailer-worker` process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from devstack.harness.processes import running, service_env
from mailer.adapters.queue import create_celery
from mailer.settings import Settings
from mobilise_runtime.settings import SharedSettings


def test_task_round_trip_through_a_worker(shared_settings: SharedSettings, unique: str) -> None:
    queue = f"mailer-{unique}"
    env = service_env(
        shared_settings,
        MAILER_CELERY_QUEUE=queue,
        MAILER_WORKER_CONCURRENCY="1",
        MAILER_SENDGRID_API_KEY="test-key",  # a worker does not start without one
    )
    with running("mailer-worker", env) as worker:
        worker.wait_for("ready", timeout=60)
        app = create_celery(Settings(celery_queue=queue, shared=shared_settings))
        result = app.send_task("mailer.ping", args=[unique], queue=queue)
        assert result.get(timeout=30) == f"pong:{unique}"
        app.close()
    assert '"service": "mailer-worker"' in worker.output()


def test_a_worker_without_a_sendgrid_key_does_not_start(shared_settings: SharedSettings) -> None:
    """It would otherwise take every task and fail it: the key is required at start."""
    env = service_env(shared_settings)
    env.pop("MAILER_SENDGRID_API_KEY", None)
    script = Path(sys.executable).with_name("mailer-worker")
    done = subprocess.run([str(script)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "sendgrid_api_key" in done.stderr
