"""mobilise mailer service: confirmation emails and newsletters through Celery and SendGrid."""
