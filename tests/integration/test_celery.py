"""A Celery task round trip through the local Redis, executed by a real `mailer-worker` process;
its Celery worker, exiting by itself, is started again by the mailer-worker's supervisor; the
tasks travel as plain JSON, and those queued in base64 by earlier versions are still taken."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from redis import Redis

from devstack.harness.mailer import wait_until
from devstack.harness.processes import running, service_env
from mailer.adapters.queue import create_celery
from mailer.settings import Settings
from mobilise_runtime.settings import SharedSettings


def _worker_env(shared_settings: SharedSettings, queue: str) -> dict[str, str]:
    """One worker process on `queue`, with the keys it does not start without (below)."""
    return service_env(
        shared_settings,
        MAILER_CELERY_QUEUE=queue,
        MAILER_WORKER_CONCURRENCY="1",
        MAILER_SENDGRID_API_KEY="test-key",
        MAILER_TOKEN_KEYS=Fernet.generate_key().decode(),
    )


def test_task_round_trip_through_a_worker(shared_settings: SharedSettings, unique: str) -> None:
    queue = f"mailer-{unique}"
    env = _worker_env(shared_settings, queue)
    with running("mailer-worker", env) as worker:
        worker.wait_for("ready", timeout=60)
        app = create_celery(Settings(celery_queue=queue, shared=shared_settings))
        result = app.send_task("mailer.ping", args=[unique], queue=queue)
        assert result.get(timeout=30) == f"pong:{unique}"
        app.close()
    assert '"service": "mailer-worker"' in worker.output()


@pytest.mark.parametrize(
    ("wrong", "refusal"),
    [
        ({"MAILER_SENDGRID_API_KEY": None}, "sendgrid_api_key"),
        ({"MAILER_TOKEN_KEYS": None}, "token_keys"),
        ({"MAILER_TOKEN_KEYS": "not-a-fernet-key"}, "token keys must be comma-separated Fernet"),
    ],
)
def test_a_worker_without_its_keys_does_not_start(
    shared_settings: SharedSettings, wrong: dict[str, str | None], refusal: str
) -> None:
    """It would otherwise take every task and fail it: its SendGrid key, and the link keys it
    mints every email's unsubscribe link with, are required (and read) at start."""
    keys = {
        "MAILER_SENDGRID_API_KEY": "test-key",
        "MAILER_TOKEN_KEYS": Fernet.generate_key().decode(),
    }
    given = {k: v for k, v in (keys | wrong).items() if v is not None}
    env = service_env(shared_settings, **given)
    for name in set(wrong) - set(given):
        env.pop(name, None)
    script = Path(sys.executable).with_name("mailer-worker")
    done = subprocess.run([str(script)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert refusal in done.stderr


def test_tasks_are_queued_as_plain_json_and_base64_ones_are_still_taken(
    shared_settings: SharedSettings, unique: str
) -> None:
    """The task's JSON goes into Redis as it is (a fifth smaller than kombu's default base64 for
    a newsletter batch); a task the previous version queued in base64 is still taken."""
    queue = f"mailer-{unique}"
    app = create_celery(Settings(celery_queue=queue, shared=shared_settings))
    earlier = create_celery(Settings(celery_queue=queue, shared=shared_settings))
    earlier.conf.broker_transport_options = {"body_encoding": "base64"}
    results = [
        app.send_task("mailer.ping", args=[f"{unique}-plain"], queue=queue),
        earlier.send_task("mailer.ping", args=[f"{unique}-base64"], queue=queue),
    ]
    redis = Redis.from_url(shared_settings.redis_url)
    try:
        queued = [json.loads(m) for m in redis.lrange(queue, 0, -1)]
    finally:
        redis.close()
    encodings = sorted(str(m["properties"]["body_encoding"]) for m in queued)
    assert encodings == ["None", "base64"]
    (plain,) = [m for m in queued if m["properties"]["body_encoding"] is None]
    assert json.loads(plain["body"])[0] == [f"{unique}-plain"]
    env = _worker_env(shared_settings, queue)
    with running("mailer-worker", env) as worker:
        worker.wait_for("ready", timeout=60)
        assert [r.get(timeout=60) for r in results] == [
            f"pong:{unique}-plain",
            f"pong:{unique}-base64",
        ]
    app.close()
    earlier.close()


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
    env = _worker_env(shared_settings, queue)
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
