"""mailer-worker: the Celery worker that sends mail (`celery -A mailer.entrypoints.worker worker`
runs it unsupervised), started and kept running by a small supervisor of its own.

Why supervised: when Redis restarts, Celery collects the lost connection (kombu closes its
channels, giving their unacknowledged tasks back, then detaches the transport from the
connection) and reconnects. A channel of the old connection used after that (its close cut short
by the outage, its connection pool dropped) builds a new pool from the detached transport and
fails with AttributeError ("'NoneType' object has no attribute 'hostname'",
kombu/transport/redis.py `Channel._connparams`) instead of a connection error; Celery counts
that as unrecoverable and the whole worker exits (seen once in the fault suite's Redis scenario,
with tasks in flight; kombu 5.7, celery 5.7). Nothing is lost when it does (its unacknowledged
tasks go back to the queue after the visibility timeout, or are queued again by the mailer's
sweep of stalled batches), so the supervisor starts it again: the process compose, Kubernetes
and `make run` watch stays up."""

from __future__ import annotations

import sys

from mailer.bootstrap import worker_app
from mailer.entrypoints.supervisor import Supervisor
from mailer.settings import WorkerSettings
from mobilise_runtime.logging import configure_logging

SERVICE = "mailer-worker"
settings = WorkerSettings()
app = worker_app(settings)


def worker_command() -> list[str]:
    return [
        sys.executable,
        "-m",
        "celery",
        "--app",
        __name__,
        "--quiet",  # no banner: the logs say what runs
        "worker",
        "--queues",
        settings.celery_queue,
        "--concurrency",
        str(settings.worker_concurrency),
        "--loglevel",
        settings.shared.log_level,
        "--without-gossip",
        "--without-mingle",
    ]


def main() -> None:
    configure_logging(SERVICE, settings.shared.log_format, settings.shared.log_level)
    sys.exit(Supervisor(worker_command()).run())
