"""The retention policy (one place, env prefix MOBILISE_RETENTION_) and what every owner's
retention job shares: its cutoffs and its one report line.

FerretDB has no TTL indexes, so each service prunes its own database with a job of its own
(`mailer-retention`, …) that deletes by date with plain range queries ($lt on a stored time),
which FerretDB and MongoDB both serve. Every job is idempotent: run twice, the second run
removes nothing. docs/privacy.md says what each period covers and why."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from mobilise_runtime.logging import configure_logging, get_logger
from mobilise_runtime.process import run_until_signalled
from mobilise_runtime.settings import SharedSettings

log = get_logger(__name__)

Removed = dict[str, int]  # what a job removed (or reduced), by collection or store
RETRY_S = 60.0


class RetentionPolicy(BaseSettings):
    """How long each kind of data is kept, in days."""

    model_config = SettingsConfigDict(env_prefix="MOBILISE_RETENTION_", extra="ignore")

    # SendGrid retries a webhook post for 72 h: the sg_event_ids only dedupe those retries.
    webhook_event_days: int = Field(default=7, ge=1)
    # Finished mail batches (sent, failed, unknown) and their member lists.
    mail_batch_days: int = Field(default=90, ge=1)
    # After this, a mail_log claim keeps only its keyed hashes: when it was sent is dropped.
    mail_log_days: int = Field(default=90, ge=1)
    # Mail given up with its reason (mail_dead_letters).
    dead_letter_days: int = Field(default=180, ge=1)
    # The /24 or /48 a supporter signed from (invalidations by network match on it), counted
    # from their first signup: abuse shows within days, an organiser acts within weeks.
    client_network_days: int = Field(default=90, ge=1)
    # Supporters of a campaign are anonymised this long after its closes_at.
    closed_campaign_days: int = Field(default=180, ge=0)

    def cutoff(self, days: int, now: datetime) -> datetime:
        return now - timedelta(days=days)


Job = Callable[[RetentionPolicy, datetime], Coroutine[Any, Any, Removed]]


def run_retention_job(
    service: str,
    shared: SharedSettings,
    job: Job,
    argv: Sequence[str] | None = None,
) -> None:
    """A service's retention job as a console script: runs it once, logs one line saying what
    it removed (`retention applied`, with a count per collection) and exits 0; an error exits
    1 with the error logged (nothing half-done is unsafe: a rerun finishes it).

    With `--every SECONDS` the process is its own schedule (a compose service): it runs the job
    at start and then every SECONDS until SIGTERM, a failed run again after at most a minute
    (the signup service not answering yet, during a start-up)."""
    parser = argparse.ArgumentParser(prog=service, description="Apply the retention policy.")
    parser.add_argument("--every", type=_seconds, metavar="SECONDS", help="repeat until stopped")
    every: float | None = parser.parse_args(argv).every
    configure_logging(service, shared.log_format, shared.log_level)
    policy = RetentionPolicy()
    if every is None:
        if not asyncio.run(_apply(job, policy)):
            sys.exit(1)
        return
    run_until_signalled(lambda stop: _repeat(job, policy, every, stop))


async def _apply(job: Job, policy: RetentionPolicy) -> bool:
    try:
        removed = await job(policy, datetime.now(UTC))
    except Exception:
        log.exception("retention failed")
        return False
    log.info("retention applied", policy=policy.model_dump(), removed=removed)
    return True


async def _repeat(job: Job, policy: RetentionPolicy, every: float, stop: asyncio.Event) -> None:
    while not stop.is_set():
        pause = every if await _apply(job, policy) else min(every, RETRY_S)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=pause)


def _seconds(value: str) -> float:
    seconds = float(value)
    if not seconds > 0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive number of seconds")
    return seconds
