"""Invalidation end to end: signup-api, signup-projector and counter-consumer on real Kafka and
FerretDB. A dry run says how many match; the invalidation takes exactly those signups out of the
totals (every dimension and the history); a revert puts them back; the events published again, or
the whole log replayed into an empty counter, change nothing; bad filters publish nothing."""

from __future__ import annotations

import asyncio
import subprocess
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from devstack.harness.mailer import publish
from devstack.harness.processes import SCRIPTS, running, service_env
from devstack.harness.signup import SignupService, projector_env
from mobilise_events import SignupsInvalidated
from mobilise_runtime.mongo import ServiceDatabase
from mobilise_runtime.settings import SharedSettings
from tests.kafka_reader import end_offsets, read_events

TOPIC = SignupsInvalidated.topic
# Three from one network through one partner, with one domain; two others elsewhere.
SUPPORTERS = [
    ("a1@bots.example", "203.0.113.7", "FR", "FR-IDF", True),
    ("a2@bots.example", "203.0.113.8", "FR", "FR-IDF", True),
    ("a3@bots.example", "203.0.113.9", "FR", None, True),
    ("awa@example.org", "198.51.100.4", "SN", "SN-DK", False),
    ("binta@example.org", "2001:db8:1:2::7", "CI", None, False),
]


def counter_env(shared: SharedSettings, database: ServiceDatabase, group: str) -> dict[str, str]:
    return service_env(
        shared, COUNTER_MONGO_DATABASE=database.db.name, COUNTER_CONSUMER_GROUP=group
    )


def visible(doc: dict[str, Any] | None) -> dict[str, Any]:
    """A totals document's counts, zeros dropped (what the dashboard and API show)."""
    doc = doc or {}
    counts: dict[str, Any] = {c: doc.get(c, 0) for c in ("signed", "confirmed", "volunteers")}
    for dimension in ("by_country", "by_region", "by_macro_region", "by_partner"):
        counts[dimension] = {
            key: {c: n for c, n in values.items() if n}
            for key, values in doc.get(dimension, {}).items()
            if any(values.values())
        }
    return counts


async def history_sum(database: ServiceDatabase, campaign_id: str) -> dict[str, int]:
    summed: dict[str, int] = {}
    async for doc in database.db["history"].find({"campaign_id": campaign_id}):
        for counts in doc.get("minutes", {}).values():
            for name, n in counts.items():
                summed[name] = summed.get(name, 0) + n
    return {name: n for name, n in summed.items() if n}


async def totals_when(
    database: ServiceDatabase,
    campaign_id: str,
    ready: Any,
    what: str,
    output: Callable[[], str] = str,
) -> dict[str, Any]:
    deadline = time.monotonic() + 40
    doc = None
    while time.monotonic() < deadline:
        doc = await database.db["totals"].find_one({"_id": campaign_id})
        if ready(visible(doc)):
            return visible(doc)
        await asyncio.sleep(0.1)
    raise AssertionError(f"{what}: never; totals are {visible(doc)}\n{output()[-3000:]}")


def cli(signup: SignupService, action: str, slug: str, *args: str, ok: bool = True) -> str:
    """`mobilise invalidation ACTION --campaign SLUG …`: its output (stderr when refused)."""
    argv = [str(SCRIPTS / "mobilise"), "invalidation", action, "--campaign", slug, *args]
    env = service_env(signup.shared, SIGNUP_MONGO_DATABASE=signup.database)
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert (done.returncode == 0) == ok, (done.stdout, done.stderr)
    return done.stdout if ok else done.stderr


def both(n: int) -> dict[str, int]:
    return {"signed": n, "confirmed": n}


def dry_run(c: httpx.Client, slug: str, body: dict[str, Any]) -> int:
    response = c.post(f"/api/v1/campaigns/{slug}/invalidations/dry-run", json=body)
    assert response.status_code == 200, response.text
    matched: int = response.json()["matched"]
    return matched


def sign_all(signup: SignupService, campaign: dict[str, Any], partner: str) -> None:
    with signup.client() as c:
        for email, address, country, region, via_partner in SUPPORTERS:
            body = {
                "email": email,
                "first_name": "Test",
                "country": country,
                "region": region,
                "locale": "fr",
                "newsletter_opt_in": False,
                "consent_text_version": campaign["consent"]["version"],
                "partner": partner if via_partner else None,
            }
            response = c.post(
                f"/api/v1/campaigns/{campaign['slug']}/pledges",
                json=body,
                headers={"X-Forwarded-For": address},
            )
            assert response.status_code == 202, response.text


def new_partner(signup: SignupService, slug: str) -> str:
    with signup.client(organiser=True) as c:
        response = c.post(
            "/api/v1/partners",
            json={"name": f"Relais {uuid.uuid4().hex[:6]}", "campaigns": [slug],
                  "origins": ["https://relais.example"]},
        )  # fmt: skip
    assert response.status_code == 201, response.text
    key: str = response.json()["key"]
    return key


async def test_invalidate_dry_run_apply_revert_and_replays_change_nothing(
    signup: SignupService,
    shared_settings: SharedSettings,
    database: ServiceDatabase,
    unique: str,
    stack: Any,
) -> None:
    campaign = signup.create_campaign(double_opt_in=False)
    slug, campaign_id = campaign["slug"], campaign["id"]
    partner = new_partner(signup, slug)
    started = datetime.now(UTC) - timedelta(seconds=5)
    sign_all(signup, campaign, partner)
    everyone = {
        "signed": 5,
        "confirmed": 5,
        "volunteers": 0,
        "by_country": {c: both(n) for c, n in (("FR", 3), ("SN", 1), ("CI", 1))},
        "by_region": {r: both(n) for r, n in (("FR-IDF", 2), ("SN-DK", 1))},
        "by_macro_region": {"Europe": {"signed": 3, "confirmed": 3},
                            "Africa": {"signed": 2, "confirmed": 2}},
        "by_partner": {partner: {"signed": 3, "confirmed": 3}},
    }  # fmt: skip
    honest = {
        **everyone,
        "signed": 2,
        "confirmed": 2,
        "by_country": {c: {"signed": 1, "confirmed": 1} for c in ("SN", "CI")},
        "by_region": {"SN-DK": {"signed": 1, "confirmed": 1}},
        "by_macro_region": {"Africa": {"signed": 2, "confirmed": 2}},
        "by_partner": {},
    }
    env = counter_env(shared_settings, database, f"counter-{unique}")
    with (
        running("signup-projector", projector_env(signup)),
        running("counter-consumer", env) as consumer,
        signup.client(organiser=True) as c,
    ):
        await totals_when(database, campaign_id, lambda t: t == everyone, "all five counted")
        by_domain = {"email_domain": "Bots.Example"}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the projector's records
            if dry_run(c, slug, by_domain) == 3:
                break
            await asyncio.sleep(0.2)
        assert dry_run(c, slug, by_domain) == 3
        assert dry_run(c, slug, {"network": "203.0.113.0/24"}) == 3
        assert dry_run(c, slug, {"network": "198.51.0.0/16"}) == 1
        assert dry_run(c, slug, {"network": "2001:db8:1::/48"}) == 1
        assert dry_run(c, slug, {"partner": partner}) == 3
        until = started + timedelta(hours=1)
        window = {"signed_from": started.isoformat(), "signed_until": until.isoformat()}
        assert dry_run(c, slug, window) == 5
        assert dry_run(c, slug, {**window, "email_domain": "example.org"}) == 2

        reason = {"reason": "one /24 signed three times in a second"}
        applied = c.post(
            f"/api/v1/campaigns/{slug}/invalidations",
            json={"filter": {"network": "203.0.113.0/24"}, **reason},
        )
        assert applied.status_code == 201, applied.text
        record = applied.json()
        assert (record["matched"], record["state"], record["by"]) == (3, "applied", "admin")
        assert record["reason"] == reason["reason"]
        await totals_when(
            database, campaign_id, lambda t: t == honest, "the three taken out", consumer.output
        )
        assert await history_sum(database, campaign_id) == {"signed": 2, "confirmed": 2}
        # Held out already: no filter takes them twice.
        assert dry_run(c, slug, by_domain) == 0

        listed = c.get(f"/api/v1/campaigns/{slug}/invalidations").json()
        assert [r["id"] for r in listed] == [record["id"]]
        reverted = c.post(
            f"/api/v1/campaigns/{slug}/invalidations/{record['id']}/revert",
            json={"reason": "a school's lab, checked by phone"},
        )
        assert reverted.status_code == 200, reverted.text
        assert reverted.json()["state"] == "reverted"
        assert reverted.json()["revert_reason"] == "a school's lab, checked by phone"
        again = c.post(
            f"/api/v1/campaigns/{slug}/invalidations/{record['id']}/revert",
            json={"reason": "twice"},
        )
        assert again.status_code == 422, again.text
        await totals_when(database, campaign_id, lambda t: t == everyone, "all five back")
        assert await history_sum(database, campaign_id) == {"signed": 5, "confirmed": 5}

        # The same from the command line.
        assert "3 counted signups match" in cli(signup, "dry-run", slug, "--partner", partner)
        bad = cli(signup, "dry-run", slug, "--network", "203.0.113.7/32", ok=False)
        assert "/24" in bad
        made = cli(signup, "apply", slug, "--email-domain", "bots.example", "--reason", "spam")
        await totals_when(database, campaign_id, lambda t: t == honest, "the CLI's invalidation")
        (made_id,) = [w for w in made.split() if w.count("-") == 4][:1]
        assert made_id in cli(signup, "list", slug)
        cli(signup, "revert", slug, "--id", made_id, "--reason", "checked")
        await totals_when(database, campaign_id, lambda t: t == everyone, "the CLI's revert")

        # The same events published again, at new positions: nothing changes.
        prefix = shared_settings.topic_prefix
        published = await read_events(stack.kafka_bootstrap, prefix + TOPIC, prefix, count=4)
        await publish(shared_settings, *published, key=campaign_id)
        ends = await end_offsets(stack.kafka_bootstrap, prefix + TOPIC)
        (partition,) = [p for p, end in ends.items() if end]
        applied_key = f"{TOPIC.replace('.', '_')}_{partition}"
        deadline = time.monotonic() + 30
        doc: dict[str, Any] | None = None
        while time.monotonic() < deadline:
            doc = await database.db["totals"].find_one({"_id": campaign_id})
            if doc and doc["applied"].get(applied_key) == ends[partition]:
                break
            await asyncio.sleep(0.1)
        assert doc is not None
        assert doc["applied"].get(applied_key) == 8, doc
        assert visible(doc) == everyone
        assert await history_sum(database, campaign_id) == {"signed": 5, "confirmed": 5}

    # The whole log replayed by a new consumer group into an empty database: the same totals.
    replayed = ServiceDatabase(stack.mongo_url, f"test_{unique}_replay", app_name="tests")
    try:
        with running("counter-consumer", counter_env(shared_settings, replayed, f"r-{unique}")):
            deadline = time.monotonic() + 40
            rebuilt = None
            while time.monotonic() < deadline:
                rebuilt = await replayed.db["totals"].find_one({"_id": campaign_id})
                if rebuilt and rebuilt["applied"] == doc["applied"]:
                    break
                await asyncio.sleep(0.1)
            assert rebuilt is not None
            assert rebuilt["applied"] == doc["applied"], (rebuilt, doc)
            assert visible(rebuilt) == everyone
            assert await history_sum(replayed, campaign_id) == {"signed": 5, "confirmed": 5}
    finally:
        await replayed.client.drop_database(replayed.db.name)
        await replayed.close()


BAD_FILTERS: list[dict[str, Any]] = [
    {},  # no criterion: everyone
    {"network": "203.0.113.7/32"},  # finer than what signups keep
    {"network": "2001:db8::/64"},
    {"network": "not-a-network"},
    {"email_domain": "not a domain"},
    {"partner": "no spaces allowed"},
    {"signed_from": "2026-03-08T10:00:00+00:00", "signed_until": "2026-03-08T09:00:00+00:00"},
    {"signed_from": "2026-03-08T10:00:00"},  # no offset
    {"country": "FR"},  # not a criterion
]


@pytest.mark.parametrize("bad", BAD_FILTERS)
async def test_a_bad_filter_is_a_422_with_detail_and_publishes_nothing(
    signup: SignupService, stack: Any, bad: dict[str, Any]
) -> None:
    slug = signup.create_campaign()["slug"]
    with signup.client(organiser=True) as c:
        for path, body in (
            ("/dry-run", bad),
            ("", {"filter": bad, "reason": "spam wave"}),
        ):
            response = c.post(f"/api/v1/campaigns/{slug}/invalidations{path}", json=body)
            assert response.status_code == 422, (path, response.text)
            assert response.json()["detail"], response.text
        listed = c.get(f"/api/v1/campaigns/{slug}/invalidations")
    assert listed.json() == []
    prefix = signup.shared.topic_prefix
    assert not any((await end_offsets(stack.kafka_bootstrap, prefix + TOPIC)).values())


async def test_a_filter_that_matches_nothing_or_no_reason_publishes_nothing(
    signup: SignupService, stack: Any
) -> None:
    slug = signup.create_campaign()["slug"]
    with signup.client(organiser=True) as c:
        nothing = c.post(
            f"/api/v1/campaigns/{slug}/invalidations",
            json={"filter": {"email_domain": "nobody.example"}, "reason": "spam wave"},
        )
        no_reason = c.post(
            f"/api/v1/campaigns/{slug}/invalidations",
            json={"filter": {"email_domain": "nobody.example"}},
        )
        unknown = c.get(f"/api/v1/campaigns/{slug}/invalidations/{uuid.uuid4()}")
    for response, status in ((nothing, 422), (no_reason, 422), (unknown, 404)):
        assert response.status_code == status, response.text
        assert response.json()["detail"], response.text
    assert "matches no" in nothing.json()["detail"]
    prefix = signup.shared.topic_prefix
    assert not any((await end_offsets(stack.kafka_bootstrap, prefix + TOPIC)).values())
