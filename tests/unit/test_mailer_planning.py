"""The mailer's pure rules: who a mailing goes to, in which requests, and when to retry."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mailer.domain.addresses import AddressHasher, canonical_email
from mailer.domain.planning import ERASED_AT, Planner, is_confirmed, retry_delay, suppression_ids
from mailer.schemas.specs import NewsletterTask, email_task, message_of
from mobilise_events import Audience, LocalisedText


def _recipient(n: int, **fields: Any) -> dict[str, Any]:
    return {
        "email": f"p{n}@example.org",
        "email_hash": f"h{n}",
        "supporter_key": f"k{n:04d}",
        "locale": "fr",
        "country": "FR",
        "newsletter_opt_in": True,
        "confirmed": True,
        **fields,
    }


ERASED = datetime(2026, 3, 2, 9, tzinfo=UTC)
BEFORE, AFTER = ERASED - timedelta(hours=1), ERASED + timedelta(hours=1)


@pytest.mark.parametrize(
    ("recipient", "confirmed"),
    [
        ({}, False),
        ({"confirmed_at": BEFORE}, True),
        ({"confirmed_at": BEFORE, ERASED_AT: ERASED}, False),  # her old signup's confirmation
        ({"confirmed_at": ERASED, ERASED_AT: ERASED}, False),
        ({"confirmed_at": AFTER, ERASED_AT: ERASED}, True),
        ({ERASED_AT: ERASED}, False),
        # Written before confirmed_at: a flag of unknown time, trusted only if never erased.
        ({"confirmed": True}, True),
        ({"confirmed": False}, False),
        ({"confirmed": True, ERASED_AT: ERASED}, False),
        ({"confirmed": True, "confirmed_at": AFTER, ERASED_AT: ERASED}, True),
        ({"confirmed": False, "confirmed_at": BEFORE}, True),
    ],
)
def test_a_recipient_is_confirmed_by_a_confirmation_after_the_last_erasure(
    recipient: dict[str, Any], confirmed: bool
) -> None:
    assert is_confirmed(recipient) is confirmed


def planned(planner: Planner, people: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Every batch the planner hands out for these people, in order, the partial ones last."""
    full = [batch for r in people if (batch := planner.add(r)) is not None]
    return full + planner.rest()


def test_the_audience_is_opted_in_filtered_and_unsuppressed() -> None:
    people = [
        _recipient(1),
        _recipient(2, newsletter_opt_in=False),
        _recipient(3, confirmed=False),
        _recipient(4, country="SN"),
        _recipient(5, locale="en"),
        _recipient(6),  # suppressed
        _recipient(7, email=None),  # a confirmation seen before its signup
    ]
    audience = Audience(countries=("FR",), confirmed_only=True, locale="fr")
    planner = Planner(audience, {"h6"}, 1000)
    assert [[r["email"] for r in b] for b in planned(planner, people)] == [["p1@example.org"]]
    assert planner.suppressed == 1
    everyone = planned(Planner(Audience(), set(), 1000), people)
    assert sum(len(b) for b in everyone) == 5


def test_batches_hold_one_language_at_most_the_batch_size_each_person_once() -> None:
    people = [_recipient(n, locale="en" if n % 3 == 0 else "fr") for n in range(2_500)]
    random.Random(1).shuffle(people)
    batches = planned(Planner(Audience(), set(), 1000), people + people[:10])
    assert sorted(len(b) for b in batches) == [666, 834, 1000]
    assert all(len({r["locale"] for r in b}) == 1 for b in batches)
    keys = [r["supporter_key"] for b in batches for r in b]
    assert sorted(keys) == sorted(r["supporter_key"] for r in people)  # each once


def test_a_full_batch_is_handed_out_as_soon_as_it_fills() -> None:
    planner = Planner(Audience(), set(), 2)
    handed = [planner.add(_recipient(n)) for n in range(3)]
    emails = [None if b is None else [r["email"] for r in b] for b in handed]
    assert emails == [None, ["p0@example.org", "p1@example.org"], None]
    assert [[r["email"] for r in b] for b in planner.rest()] == [["p2@example.org"]]


def test_a_continued_plan_leaves_out_whoever_it_holds_already() -> None:
    planner = Planner(Audience(), set(), 1000, planned_keys={"k0001", "k0003"})
    batches = planned(planner, [_recipient(n) for n in range(5)])
    assert [[r["supporter_key"] for r in b] for b in batches] == [["k0000", "k0002", "k0004"]]


def test_suppressions_are_global_or_per_campaign() -> None:
    assert suppression_ids("h", "c1") == ["*:h", "c1:h"]
    assert suppression_ids("h", None) == ["*:h"]


@pytest.mark.parametrize("attempt", range(1, 12))
def test_retry_delay_is_jittered_under_an_exponential_ceiling(attempt: int) -> None:
    rng = random.Random(attempt)
    ceiling = min(60.0, 2.0 * 2 ** (attempt - 1))
    delays = [retry_delay(attempt, base_s=2, max_s=60, rng=rng) for _ in range(200)]
    assert all(0 <= d <= ceiling for d in delays)
    assert max(delays) - min(delays) > ceiling / 2  # spread, not in lockstep


def test_a_rate_limit_reset_is_waited_for() -> None:
    delays = [retry_delay(1, base_s=2, max_s=60, not_before_s=30) for _ in range(100)]
    assert all(30 <= d <= 32 for d in delays)


def test_idempotency_is_per_mailing_or_per_kind_and_campaign() -> None:
    text = LocalisedText(fr="C", en="C")
    newsletter = NewsletterTask(
        kind="newsletter", batch_id="m1:p:0", campaign_id="c", mailing_id="m1",
        campaign_title=text, subject=text, body_template=text, recipients=(),
    )  # fmt: skip
    assert message_of(newsletter) == "m1"
    assert message_of(email_task("welcome", "c", "k1", text, None)) == "welcome:c"


def test_an_address_is_hashed_in_its_canonical_form() -> None:
    hasher = AddressHasher(b"key")
    assert canonical_email(" Awa.Diop@EXAMPLE.org ") == "awa.diop@example.org"
    assert hasher("Awa.Diop@EXAMPLE.org") == hasher("awa.diop@example.org")
    assert hasher("awa@example.org") != AddressHasher(b"other")("awa@example.org")
    assert "awa" not in hasher("awa@example.org")
    with pytest.raises(ValueError, match="MAILER_EMAIL_HASH_KEY"):
        AddressHasher(b"")
