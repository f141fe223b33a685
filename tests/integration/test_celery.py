"""A Celery task round trip through the local Redis, executed by a real `mailer-worker` process;
its Celery worker, exiting by itself, is started again by the mailer-worker's supervisor."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from devstack.harness.mailer import wait_until
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
        # A worker does not start without them (below).
        MAILER_SENDGRID_API_KEY="test-key",
        MAILER_TOKEN_KEYS=Fernet.generate_key().decode(),
    )
    with running("mailer-worker", env) as worker:
        worker.wait_for("ready", timeout=60)
        app = create_celery(Settings(celery_queue=queue, shared=shared_settings))
        result = app.send_task("mailer.ping", args=[unique], queue=queue)
        assert result.get(timeout=30) == f"pong:{unique}"
        app.close()
    assert '"service": "mailer-worker"' in worker.output()


@pytest.mark.parametrize(
    ("missing", "setting"),
    [("MAILER_SENDGRID_API_KEY", "sendgrid_api_key"), ("MAILER_TOKEN_KEYS", "token_keys")],
)
def test_a_worker_without_its_keys_does_not_start(
    shared_settings: SharedSettings, missing: str, setting: str
) -> None:
    """It would otherwise take every task and fail it: its SendGrid key, and the link keys it
    mints every email's unsubscribe link with, are required at start."""
    keys = {
        "MAILER_SENDGRID_API_KEY": "test-key",
        "MAILER_TOKEN_KEYS": Fernet.generate_key().decode(),
    }
    env = service_env(shared_settings, **keys)
    env.pop(missing)
    script = Path(sys.executable).with_name("mailer-worker")
    done = subprocess.run([str(script)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert setting in done.stderr


def _celery_worker_of(supervisor: int) -> int | None:
    """The pid of the Celery worker (celery's own command line) the process runs as a child."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue  # gone meanwhile
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == supervisor and argv[1:4] == [b"-m", b"celery", b"--app"]:
            return int(entry.name)
    return None


def test_a_celery_worker_that_exits_is_started_again_and_mailer_worker_stays(
    shared_settings: SharedSettings, unique: str
) -> None:
    """kombu's Redis transport can make the Celery worker exit when Redis restarts (an
    AttributeError Celery calls unrecoverable): mailer-worker, the process compose, Kubernetes
    and `make run` watch, stays up and its new Celery worker takes the tasks."""
    queue = f"mailer-{unique}"
    env = service_env(
        shared_settings,
        MAILER_CELERY_QUEUE=queue,
        MAILER_WORKER_CONCURRENCY="1",
        MAILER_SENDGRID_API_KEY="test-key",
        MAILER_TOKEN_KEYS=Fernet.generate_key().decode(),
    )
    app = create_celery(Settings(celery_queue=queue, shared=shared_settings))
    with running("mailer-worker", env) as worker:
        worker.wait_for("ready", timeout=60)
        first = _celery_worker_of(worker.process.pid)
        assert first is not None, "no Celery worker runs under mailer-worker"
        os.kill(first, signal.SIGKILL)
        wait_until(
            lambda: "starting it again" in worker.output() or None,
            what="the supervisor starting the Celery worker again",
        )
        result = app.send_task("mailer.ping", args=[unique], queue=queue)
        assert result.get(timeout=60) == f"pong:{unique}"
        assert worker.process.poll() is None
        assert _celery_worker_of(worker.process.pid) not in (None, first)
    app.close()
