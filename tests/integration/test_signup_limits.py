"""Rate limits, proof of work and honeypot, against the real Redis, Kafka and FerretDB: a flood
from one address is refused (429 + Retry-After, nothing published) while another address signs;
past a soft threshold a solved proof of work signs, once; a filled honeypot is answered as a
success and publishes nothing. The buckets' own rules are checked on the Limiter directly."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from redis.asyncio import Redis

from devstack.config import StackConfig
from devstack.harness.processes import free_port, running
from devstack.harness.signup import SignupService, page_form, signup_env
from mobilise_events import PledgeSigned
from mobilise_runtime.settings import SharedSettings
from signup.adapters.limiter import Limiter, Verdict
from signup.domain.limits import Bucket
from signup.domain.proof import leading_zero_bits
from tests.kafka_reader import end_offsets


@pytest.fixture
async def limiter(stack: StackConfig) -> AsyncIterator[Limiter]:
    limiter = Limiter(stack.redis_url, timeout_s=2)
    yield limiter
    await limiter.close()


def pledge(campaign: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "email": f"s-{uuid.uuid4().hex[:10]}@example.org",
        "first_name": "Awa",
        "country": "SN",
        "locale": "fr",
        "newsletter_opt_in": False,
        "consent_text_version": campaign["consent"]["version"],
        **fields,
    }


def sign(c: httpx.Client, campaign: dict[str, Any], client: str, **fields: Any) -> httpx.Response:
    return c.post(
        f"/api/v1/campaigns/{campaign['slug']}/pledges",
        json=pledge(campaign, **fields),
        headers={"X-Forwarded-For": client},
    )


async def published(signup: SignupService) -> int:
    topic = signup.shared.topic_prefix + PledgeSigned.topic
    return sum((await end_offsets(signup.shared.kafka_bootstrap, topic)).values())


def solve(challenge: dict[str, Any]) -> str:
    for nonce in itertools.count():
        proof = f"{challenge['token']}:{nonce:x}"
        if leading_zero_bits(hashlib.sha256(proof.encode()).digest()) >= challenge["bits"]:
            return proof
    raise AssertionError("unreachable")


async def test_a_redis_that_does_not_answer_is_given_up_within_the_timeout() -> None:
    """The limiter bounds each whole call (redis-py's own socket timeout is off): a server that
    takes the connection and never answers costs a signup `timeout_s`, then the guard's
    TimeoutError (an OSError), never a hang."""
    silent: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        silent.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    limiter = Limiter(f"redis://127.0.0.1:{port}", timeout_s=0.5)
    try:
        for call in (lambda: limiter.take([("k", Bucket(hard=5, per_hour=5))]), limiter.ping):
            started = time.monotonic()
            with pytest.raises(TimeoutError):
                await call()
            assert time.monotonic() - started < 3
        assert silent  # it did connect: the wait was for an answer
    finally:
        await limiter.close()
        for writer in silent:
            writer.close()
        server.close()
        await server.wait_closed()


# The Limiter's rules, on Redis ------------------------------------------------------------------


async def test_a_bucket_empties_at_hard_and_refills_at_its_rate(
    limiter: Limiter, unique: str
) -> None:
    key = f"test:{unique}:a"
    bucket = Bucket(hard=3, per_hour=36_000)  # 10 tokens a second
    for _ in range(3):
        assert (await limiter.take([(key, bucket)])).verdict is Verdict.TAKEN
    empty = await limiter.take([(key, bucket)])
    assert empty.verdict is Verdict.EMPTY
    assert 0 < empty.retry_after_ms <= 100
    deadline = time.monotonic() + 5
    while (await limiter.take([(key, bucket)])).verdict is not Verdict.TAKEN:
        assert time.monotonic() < deadline, "the bucket never refilled"


async def test_past_soft_a_proof_is_needed_and_each_proof_is_spent_once(
    limiter: Limiter, unique: str
) -> None:
    key = f"test:{unique}:b"
    bucket = Bucket(soft=2, hard=4, per_hour=1)

    async def take(proof: str | None = None) -> Verdict:
        outcome = await limiter.take([(key, bucket)], proof=proof, proof_ttl_ms=60_000)
        return outcome.verdict

    assert [await take(), await take()] == [Verdict.TAKEN, Verdict.TAKEN]
    assert await take() is Verdict.PROOF_NEEDED
    assert await take(f"test:{unique}:p1") is Verdict.TAKEN
    assert await take(f"test:{unique}:p1") is Verdict.PROOF_NEEDED  # replayed
    assert await take(f"test:{unique}:p2") is Verdict.TAKEN
    assert await take(f"test:{unique}:p3") is Verdict.EMPTY  # hard: no proof helps


async def test_a_refused_take_takes_from_no_bucket(limiter: Limiter, unique: str) -> None:
    small = (f"test:{unique}:small", Bucket(hard=1, per_hour=1))
    large = (f"test:{unique}:large", Bucket(hard=3, per_hour=1))
    assert (await limiter.take([small, large])).verdict is Verdict.TAKEN
    assert (await limiter.take([small, large])).verdict is Verdict.EMPTY
    assert [(await limiter.take([large])).verdict for _ in range(3)] == [
        Verdict.TAKEN,
        Verdict.TAKEN,
        Verdict.EMPTY,
    ]


async def test_the_takes_of_one_turn_go_together_on_one_connection_each_as_if_alone(
    stack: StackConfig, unique: str
) -> None:
    """Signups in flight at once ask Redis together (one pipeline a turn of the event loop, so
    one connection where there were as many as signups in flight), and each still gets its own
    bucket's answer: a small bucket empties at its hard limit, another is untouched by it."""
    redis = Redis.from_url(stack.redis_url)
    limiter = Limiter(stack.redis_url, timeout_s=5)
    try:
        before = (await redis.info("stats"))["total_connections_received"]
        small = (f"test:{unique}:together-small", Bucket(hard=10, per_hour=1))
        large = (f"test:{unique}:together-large", Bucket(hard=1_000, per_hour=1))
        outcomes = await asyncio.gather(
            *(limiter.take([small]) for _ in range(32)), *(limiter.take([large]) for _ in range(32))
        )
        connections = (await redis.info("stats"))["total_connections_received"] - before
    finally:
        await limiter.close()
        await redis.aclose()
    verdicts = [outcome.verdict for outcome in outcomes]
    assert verdicts[:32].count(Verdict.TAKEN) == 10
    assert verdicts[:32].count(Verdict.EMPTY) == 22
    assert verdicts[32:] == [Verdict.TAKEN] * 32
    assert connections <= 2, connections  # ours; at most one of another's between the reads


async def test_a_redis_that_lost_its_scripts_is_given_the_script_again(
    stack: StackConfig, limiter: Limiter, unique: str
) -> None:
    """A restarted Redis has forgotten the script the takes name by its hash: the takes waiting
    load it again and are answered, not refused."""
    bucket = (f"test:{unique}:flushed", Bucket(hard=2, per_hour=1))
    assert (await limiter.take([bucket])).verdict is Verdict.TAKEN
    redis = Redis.from_url(stack.redis_url)
    try:
        await redis.script_flush()
    finally:
        await redis.aclose()
    outcomes = await asyncio.gather(limiter.take([bucket]), limiter.take([bucket]))
    assert sorted(outcome.verdict.value for outcome in outcomes) == [
        Verdict.TAKEN.value,
        Verdict.EMPTY.value,
    ]


# Through the API --------------------------------------------------------------------------------


async def test_a_flood_from_one_address_gets_429_while_another_address_signs(
    signup: SignupService,
) -> None:
    campaign = signup.create_campaign(limits={"address": {"hard": 5, "per_hour": 60}})
    with signup.client() as c:
        flood = [sign(c, campaign, "198.51.100.7") for _ in range(8)]
        other = sign(c, campaign, "198.51.100.8")
    assert [r.status_code for r in flood] == [202] * 5 + [429] * 3
    for refused in flood[5:]:
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert "too many signups" in refused.json()["detail"]
    assert other.status_code == 202, other.text
    assert await published(signup) == 6  # the refused ones published nothing


async def test_by_default_a_burst_from_one_address_is_asked_for_a_proof_of_work(
    signup: SignupService,
) -> None:
    campaign = signup.create_campaign()  # the defaults: soft 30 per address
    with signup.client() as c:
        answers = [sign(c, campaign, "203.0.113.5").status_code for _ in range(31)]
    assert answers == [202] * 30 + [428]


async def test_one_supporter_and_one_partner_are_limited_whatever_the_address(
    signup: SignupService,
) -> None:
    campaign = signup.create_campaign(
        limits={"supporter": {"hard": 2, "per_hour": 1}, "partner": {"hard": 3, "per_hour": 1}}
    )
    with signup.client(organiser=True) as c:
        partner = c.post(
            "/api/v1/partners",
            json={
                "name": "Asso",
                "campaigns": [campaign["slug"]],
                "origins": ["https://asso.example"],
            },
        )
        assert partner.status_code == 201, partner.text
    key = partner.json()["key"]
    with signup.client() as c:
        same = [sign(c, campaign, f"198.51.100.{n}", email="awa@example.org") for n in (1, 2, 3)]
        via = [sign(c, campaign, f"192.0.2.{n}", partner=key) for n in (1, 2, 3, 4)]
    assert [r.status_code for r in same] == [202, 202, 429]
    assert [r.status_code for r in via] == [202, 202, 202, 429]
    assert await published(signup) == 5


async def test_past_soft_a_solved_proof_signs_once(signup: SignupService) -> None:
    campaign = signup.create_campaign(limits={"address": {"soft": 0, "hard": 100, "per_hour": 100}})
    other = signup.create_campaign(limits={"address": {"soft": 0, "hard": 100, "per_hour": 100}})
    with signup.client() as c:
        asked = sign(c, campaign, "198.51.100.20")
        assert asked.status_code == 428, asked.text
        assert asked.json()["field"] == "proof"
        challenge = asked.json()["challenge"]
        assert challenge["bits"] == 14
        proof = solve(challenge)
        signed = sign(c, campaign, "198.51.100.20", proof=proof)
        assert signed.status_code == 202, signed.text
        again = sign(c, campaign, "198.51.100.20", proof=proof)
        assert again.status_code == 428  # a solved challenge is spent
        elsewhere = sign(c, other, "198.51.100.20", proof=solve(challenge))
        assert elsewhere.status_code == 428  # another campaign's challenge
        unsolved = sign(c, campaign, "198.51.100.20", proof=challenge["token"] + ":0")
        assert unsolved.status_code in (428, 202)  # ":0" may solve it by chance (2**-14)
    assert await published(signup) == 1 + (unsolved.status_code == 202)


async def test_a_filled_honeypot_gets_a_success_and_publishes_nothing(
    signup: SignupService,
) -> None:
    campaign = signup.create_campaign()
    version = campaign["consent"]["version"]
    form = page_form(version, email="bot@example.org", first_name="Bot", fax="+33 1 23 45 67 89")
    with signup.client() as c:
        api = sign(c, campaign, "198.51.100.30", fax="http://spam.example")
        page = c.post(f"/c/{campaign['slug']}?lang=en", data=form)
        person = sign(c, campaign, "198.51.100.31")
    assert api.status_code == 202, api.text
    assert api.json()["status"] == person.json()["status"] == "pending_confirmation"
    assert page.status_code == 303
    assert page.headers["location"].startswith(f"/c/{campaign['slug']}/thanks?")
    assert await published(signup) == 1  # the person's only


async def test_the_form_without_javascript_says_what_to_do_past_each_threshold(
    signup: SignupService,
) -> None:
    soft = signup.create_campaign(limits={"address": {"soft": 0, "hard": 100, "per_hour": 100}})
    hard = signup.create_campaign(limits={"address": {"hard": 1, "per_hour": 1}})

    def form(campaign: dict[str, Any]) -> dict[str, str]:
        email = f"s-{uuid.uuid4().hex[:8]}@example.org"
        return page_form(campaign["consent"]["version"], email=email)

    with signup.client() as c:
        asked = c.post(f"/c/{soft['slug']}?lang=fr", data=form(soft))
        first = c.post(f"/c/{hard['slug']}?lang=en", data=form(hard))
        refused = c.post(f"/c/{hard['slug']}?lang=en", data=form(hard))
    assert asked.status_code == 428
    assert "activez JavaScript" in asked.text
    assert first.status_code == 303
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 3000  # one token an hour
    assert "Too many signups have come from your network" in refused.text
    assert "Please try again in about 60 minutes." in refused.text
    assert await published(signup) == 1


async def test_without_redis_signups_go_on_and_readyz_names_it(
    shared_settings: SharedSettings, unique: str
) -> None:
    """A signup is worth more than a limit: the service signs on, and says Redis is down."""
    nowhere = shared_settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}"})
    port, database, keys = free_port(), f"signup_{unique}", Fernet.generate_key().decode()
    with running("signup-api", signup_env(nowhere, database, port, keys)) as api:
        ready = api.wait_http(f"http://127.0.0.1:{port}/readyz", timeout=60)
        service = SignupService(f"http://127.0.0.1:{port}", nowhere, database, keys, api)
        campaign = service.create_campaign()
        with service.client() as c:
            signed = sign(c, campaign, "198.51.100.40")
    assert ready.status_code == 503
    assert "redis" in ready.text
    assert signed.status_code == 202, signed.text
    assert await published(service) == 1
