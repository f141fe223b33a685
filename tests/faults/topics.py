"""What the topics hold, read by the fault suite itself (so as not to depend on the services under
test): the signups and confirmations that were recorded, whatever the answer said."""

from __future__ import annotations

from mobilise_events import PledgeSigned, Signup, SignupConfirmed, VolunteerRegistered
from tests.faults.stack import Stack
from tests.kafka_reader import end_offsets, read_events


async def signed_so_far(stack: Stack) -> dict[tuple[str, str], Signup]:
    """Every signup so far by (slug, email): the links of their emails, as the supporter finds
    them (read here from the topics, so as not to depend on the mailer under test)."""
    shared = stack.shared
    signed: dict[tuple[str, str], Signup] = {}
    for kind in (PledgeSigned, VolunteerRegistered):
        topic = shared.topic_prefix + kind.topic
        count = sum((await end_offsets(shared.kafka_bootstrap, topic)).values())
        events = await read_events(shared.kafka_bootstrap, topic, shared.topic_prefix, count=count)
        signed |= {(e.campaign_slug, e.email): e for e in events if isinstance(e, Signup)}
    return signed


async def confirmed_so_far(stack: Stack) -> set[tuple[str, str]]:
    """(campaign id, supporter key) of every confirmation in the topic."""
    shared = stack.shared
    topic = shared.topic_prefix + SignupConfirmed.topic
    count = sum((await end_offsets(shared.kafka_bootstrap, topic)).values())
    events = await read_events(shared.kafka_bootstrap, topic, shared.topic_prefix, count=count)
    return {(e.campaign_id, e.supporter_key) for e in events if isinstance(e, SignupConfirmed)}
