"""mailer-worker: the Celery worker that sends mail (`celery -A mailer.entrypoints.worker` works
too)."""

from __future__ import annotations

from mailer.adapters.queue import create_celery
from mailer.settings import WorkerSettings

settings = WorkerSettings()
app = create_celery(settings)


def main() -> None:
    app.worker_main(
        [
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
    )
