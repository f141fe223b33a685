"""mailer-consumer's process: one member of consumer group `mailer`, from the composition root
(bootstrap.consumer_parts), with the stalled-batch sweep beside it.

A batch's offsets are committed by EventConsumer only once the handler returned, that is once
its Mongo writes are acknowledged and its tasks are in Redis: a crash reads the batch again, and
every effect is idempotent (upserts, insert-once suppressions, a mailing's plan fixed once, tasks
whose mails are claimed per supporter by the worker).

Every task's batch document (state "queued") is written before the task is queued, so a task
Redis lost is found again by the sweep (consumer/stalled.py): newsletter batches and
confirmation and welcome emails alike."""

from __future__ import annotations

import asyncio

from mailer.adapters.campaigns import CampaignUnavailable
from mailer.application.consumer.handlers import EFFECTS, MailerConsumer
from mailer.bootstrap import consumer_parts
from mailer.settings import ConsumerSettings
from mobilise_events import EVENT_TYPES
from mobilise_runtime.process import GroupMember, run_consumer_process

SERVICE = "mailer-consumer"
# The topics of the events that have an effect here (handlers.py): not signups.invalidated.v1,
# which changes counts, not who gets mail.
TOPICS = [t.topic for t in EVENT_TYPES if any(issubclass(t, kind) for kind, _ in EFFECTS)]


async def consume(settings: ConsumerSettings, stop: asyncio.Event) -> None:
    shared = settings.shared
    parts = consumer_parts(settings, service=SERVICE)
    handler = MailerConsumer.on(
        settings, parts.database, parts.queue, parts.titles, parts.hasher, parts.tokens
    )
    sweeper = asyncio.create_task(handler.stalled.sweep(settings.requeue_check_s, stop))

    async def close() -> None:
        sweeper.cancel()
        await asyncio.gather(sweeper, return_exceptions=True)
        await parts.close()

    member = GroupMember(SERVICE, settings.consumer_group, TOPICS, shared)
    await member.consume(
        handler.handle,
        stop,
        close=close,
        # Signup topics share their partition count: one member owns all of a campaign's
        # recipients (pledge, volunteer and confirmation events write the same documents).
        co_partitioned=True,
        # signup's API on its store: a store outage reaches the mailer through it too.
        unavailable=(CampaignUnavailable,),
    )


def main() -> None:
    run_consumer_process(SERVICE, ConsumerSettings(), consume)
