"""mailer-consumer: turns signup and mailing events into recipients, suppressions, mailing plans
and Celery tasks. One module per job: handlers.py (which event has which effect),
signup_emails.py, suppressions.py, erasure.py, mailing_plans.py, stalled.py (the sweep),
enqueue.py (Celery), entrypoints/consumer.py (the entry point)."""

from mailer.application.consumer.handlers import MailerConsumer

__all__ = ["MailerConsumer"]
