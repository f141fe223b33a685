"""The signup Intake's orchestration against small typed fakes of Kafka (the publisher), the
partners' repository and the rate limiter (Redis): what is refused before anything is published,
what is published, and what a supporter is told. Against the real Kafka and Redis:
tests/integration/test_signup_intake.py, test_signup_limits.py, test_signup_kafka_down.py."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from aiokafka.errors import KafkaConnectionError
from redis.exceptions import ConnectionError as RedisConnectionError

from mobilise_events import Event, PledgeSigned, Signup, VolunteerRegistered, decode
from mobilise_runtime.errors import Rejected, Unavailable
from mobilise_runtime.kafka import EventPublisher
from mobilise_runtime.kafka.turns import Record, TurnBatches
from signup.adapters.limiter import Limiter, Outcome, Verdict
from signup.adapters.publisher import SignupPublisher
from signup.application.guard import Guard
from signup.application.intake import Intake
from signup.domain.campaigns import Campaign, Localised
from signup.domain.errors import Closed, NotOpenYet, ProofRequired, TooManyRequests
from signup.domain.limits import Bucket
from signup.domain.proof import ProofOfWork
from signup.domain.supporters import supporter_key
from signup.repository import PartnerRepository
from signup.schemas.signups import PledgeIn, VolunteerIn

NOW = datetime(2026, 3, 1, 9, tzinfo=UTC)
SECRET = b"unit-key-secret"
CLIENT = "203.0.113.7"


@dataclass
class FakeKafka:
    """The publisher's producer, by record batches: what it was given, or a failure, or no
    answer at all."""

    published: list[tuple[Event, str]] = field(default_factory=list)
    fails: Exception | None = None
    hangs: bool = False

    def batched(self, *, timeout_s: float) -> TurnBatches:
        return TurnBatches(self, timeout_s=timeout_s)

    def record(self, event: Event, *, key: str) -> tuple[str, Record]:
        return event.topic, (key.encode(), event.encode(), [])

    async def partitioner(self, topic: str) -> Callable[[bytes], int]:
        return lambda key: 0

    async def send_batch(
        self, topic: str, partition: int, records: Sequence[Record]
    ) -> tuple[int, Awaitable[object]]:
        if self.hangs:
            await asyncio.Event().wait()
        if self.fails is not None:
            raise self.fails
        self.published += [(decode(topic, value), key.decode()) for key, value, _ in records]
        return len(records), asyncio.sleep(0)


@dataclass
class FakePartners:
    of_campaign: dict[str, set[str]] = field(default_factory=dict)

    async def works_for(self, key: str, campaign_id: str) -> bool:
        return key in self.of_campaign.get(campaign_id, set())


@dataclass
class FakeLimiter:
    verdict: Verdict = Verdict.TAKEN
    fails: Exception | None = None
    taken: list[list[str]] = field(default_factory=list)

    async def take(self, buckets: Sequence[tuple[str, Bucket]], **_: object) -> Outcome:
        if self.fails is not None:
            raise self.fails
        self.taken.append([key for key, _ in buckets])
        return Outcome(self.verdict, retry_after_ms=2500 if self.verdict is Verdict.EMPTY else 0)


@dataclass
class World:
    intake: Intake
    kafka: FakeKafka
    limiter: FakeLimiter
    partners: FakePartners


def published(w: World) -> Signup:
    """The one signup published, keyed by its campaign."""
    [(event, key)] = w.kafka.published
    assert isinstance(event, Signup)
    assert key == event.campaign_id
    return event


def world(*, timeout_s: float = 5.0) -> World:
    kafka, limiter, partners = FakeKafka(), FakeLimiter(), FakePartners()
    proofs = ProofOfWork(b"unit-proofs", bits=8, ttl_s=60)
    intake = Intake(
        publisher=SignupPublisher(cast(EventPublisher, kafka), timeout_s=timeout_s),
        partners=cast(PartnerRepository, partners),
        key_secret=SECRET,
        guard=Guard(limiter=cast(Limiter, limiter), proofs=proofs, key=b"unit-abuse"),
    )
    return World(intake, kafka, limiter, partners)


def campaign(**changes: Any) -> Campaign:
    values: dict[str, Any] = {
        "id": "c-1",
        "slug": "women-in-tech",
        "kind": "pledge",
        "title": Localised({"fr": "Égalité", "en": "Equality"}),
        "description": Localised({"fr": "", "en": ""}),
        "goal": 1000,
        "countries": (),
        "double_opt_in": False,
        "opens_at": None,
        "closes_at": None,
        "closed": False,
        "consent_text_versions": ("v1",),
        "created_at": NOW - timedelta(days=1),
        "updated_at": NOW - timedelta(days=1),
        "created_by": "o-1",
    }
    return Campaign(**(values | changes))


PLEDGE: dict[str, Any] = {
    "email": "Awa.Diop@Example.org",
    "first_name": "Awa",
    "country": "SN",
    "locale": "fr",
    "newsletter_opt_in": True,
    "consent_text_version": "v1",
}


def pledge(**changes: Any) -> PledgeIn:
    return PledgeIn(**(PLEDGE | changes))


def volunteer(**changes: Any) -> VolunteerIn:
    return VolunteerIn(**(PLEDGE | {"skills": ["mentoring"], "availability": "more"} | changes))


async def test_an_accepted_pledge_is_published_keyed_by_its_campaign_before_the_answer() -> None:
    w = world()
    accepted = await w.intake.accept(campaign(), pledge(), client=CLIENT, now=NOW)
    assert accepted.status == "accepted"
    [(event, key)] = w.kafka.published
    assert key == "c-1"
    assert isinstance(event, PledgeSigned)
    assert event.signup_id == accepted.id
    assert event.supporter_key == supporter_key(SECRET, "c-1", "awa.diop@example.org")
    assert (event.email, event.campaign_slug, event.occurred_at) == (
        "Awa.Diop@example.org",
        "women-in-tech",
        NOW,
    )
    assert event.client_network == "203.0.113.0/24"
    # No links: the mailer mints them (mobilise_runtime.link_tokens), not every request.
    assert (event.schema_version, event.confirm_token, event.unsubscribe_token) == (2, None, None)


async def test_a_double_opt_in_signup_is_pending_and_says_so_to_the_mailer() -> None:
    w = world()
    accepted = await w.intake.accept(campaign(double_opt_in=True), pledge(), client=CLIENT, now=NOW)
    assert accepted.status == "pending_confirmation"
    event = published(w)
    # What the mailer mints the confirm link from (tests/unit/test_link_tokens.py).
    assert event.double_opt_in
    assert (event.signup_id, event.campaign_id) == (accepted.id, "c-1")
    assert event.confirm_token is None


async def test_a_volunteer_signup_publishes_its_skills() -> None:
    w = world()
    await w.intake.accept(
        campaign(kind="volunteer"), volunteer(wants_training=True), client=CLIENT, now=NOW
    )
    event = published(w)
    assert isinstance(event, VolunteerRegistered)
    assert (event.skills, event.availability, event.wants_training) == (
        ("mentoring",),
        "more",
        True,
    )


def refusals() -> list[tuple[str, Campaign, PledgeIn, type[Exception]]]:
    return [
        ("not open yet", campaign(opens_at=NOW + timedelta(hours=1)), pledge(), NotOpenYet),
        ("closed by its organiser", campaign(closed=True), pledge(), Closed),
        ("past its end", campaign(closes_at=NOW), pledge(), Closed),
        ("another country", campaign(countries=("FR",)), pledge(), Rejected),
        ("unknown consent text", campaign(), pledge(consent_text_version="v0"), Rejected),
        ("a pledge to a volunteer campaign", campaign(kind="volunteer"), pledge(), Rejected),
        ("a volunteer to a pledge campaign", campaign(), volunteer(), Rejected),
        ("not this campaign's partner", campaign(), pledge(partner="p-other"), Rejected),
    ]


@pytest.mark.parametrize(
    ("what", "to", "signup", "error"), refusals(), ids=[r[0] for r in refusals()]
)
async def test_a_refused_signup_publishes_nothing_and_takes_no_rate_token(
    what: str, to: Campaign, signup: PledgeIn, error: type[Exception]
) -> None:
    w = world()
    w.partners.of_campaign["c-1"] = {"p-asso"}
    with pytest.raises(error):
        await w.intake.accept(to, signup, client=CLIENT, now=NOW)
    assert w.kafka.published == []
    assert w.limiter.taken == []


async def test_a_partner_of_the_campaign_is_published_and_limited_as_such() -> None:
    w = world()
    w.partners.of_campaign["c-1"] = {"p-asso"}
    await w.intake.accept(campaign(), pledge(partner="p-asso"), client=CLIENT, now=NOW)
    event = published(w)
    assert event.partner == "p-asso"
    [buckets] = w.limiter.taken
    assert buckets[-1] == "mobilise:limit:c-1:partner:p-asso"
    assert not any(CLIENT in b for b in buckets)  # the network is kept as a keyed hash


async def test_a_publish_that_times_out_is_a_503_to_retry() -> None:
    w = world(timeout_s=0.05)
    w.kafka.hangs = True
    with pytest.raises(Unavailable) as refused:
        await w.intake.accept(campaign(), pledge(), client=CLIENT, now=NOW)
    assert refused.value.status == 503
    assert refused.value.retry_after_s == 5


async def test_a_broker_error_is_a_503_too() -> None:
    w = world()
    w.kafka.fails = KafkaConnectionError()
    with pytest.raises(Unavailable):
        await w.intake.accept(campaign(), pledge(), client=CLIENT, now=NOW)


async def test_past_the_hard_limit_is_a_429_and_nothing_is_published() -> None:
    w = world()
    w.limiter.verdict = Verdict.EMPTY
    with pytest.raises(TooManyRequests) as refused:
        await w.intake.accept(campaign(), pledge(), client=CLIENT, now=NOW)
    assert refused.value.retry_after_s == 3  # 2.5 s, rounded up
    assert w.kafka.published == []


async def test_past_the_soft_limit_a_proof_of_work_is_asked_for() -> None:
    w = world()
    w.limiter.verdict = Verdict.PROOF_NEEDED
    with pytest.raises(ProofRequired) as refused:
        await w.intake.accept(campaign(), pledge(), client=CLIENT, now=NOW)
    assert refused.value.bits == 8
    assert refused.value.challenge
    assert w.kafka.published == []


async def test_with_the_limiter_down_the_signup_is_still_accepted() -> None:
    w = world()
    w.limiter.fails = RedisConnectionError("down")
    accepted = await w.intake.accept(campaign(), pledge(), client=CLIENT, now=NOW)
    assert accepted.status == "accepted"
    assert len(w.kafka.published) == 1


async def test_the_honeypot_gets_a_persons_answer_and_publishes_nothing() -> None:
    w = world()
    accepted = await w.intake.accept(
        campaign(double_opt_in=True), pledge(fax="robot"), client=CLIENT, now=NOW
    )
    assert accepted.status == "pending_confirmation"
    assert w.kafka.published == []
