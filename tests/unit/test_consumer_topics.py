"""Each consumer reads the topics of its event → effect table, and only those: a topic read
without an effect would be consumed for nothing (and joins the consumer's co-partitioning)."""

from __future__ import annotations

from mailer.application.consumer.handlers import EFFECTS
from mailer.entrypoints.consumer import TOPICS as MAILER_TOPICS
from mobilise_events import EVENT_TYPES, SignupsInvalidated


def test_the_mailer_consumer_reads_every_topic_with_an_effect_and_no_other() -> None:
    with_effect = {t.topic for t in EVENT_TYPES if any(issubclass(t, k) for k, _ in EFFECTS)}
    assert set(MAILER_TOPICS) == with_effect
    # An invalidation changes counts, not who gets mail.
    assert SignupsInvalidated.topic not in MAILER_TOPICS
    assert len(MAILER_TOPICS) == 6
