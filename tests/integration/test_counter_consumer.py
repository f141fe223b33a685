"""counter-consumer through Kafka into FerretDB, and counter-reconcile on what it wrote."""

from __future__ import annotations

import asyncio
import subprocess
import time
import uuid
from typing import Any

from devstack.harness.events import of_supporter
from devstack.harness.processes import SCRIPTS, running, service_env
from mobilise_events import PledgeSigned, SignupConfirmed, VolunteerRegistered
from mobilise_runtime.kafka import EventPublisher
from mobilise_runtime.mongo import ServiceDatabase
from mobilise_runtime.settings import SharedSettings


def pledge(campaign: str, key: str, country: str, **extra: Any) -> PledgeSigned:
    values = {"campaign_slug": "femmes", "email": "a@example.org", "double_opt_in": True, **extra}
    return of_supporter(PledgeSigned, campaign, key, country=country, **values)


def confirm(campaign: str, key: str) -> SignupConfirmed:
    return SignupConfirmed(signup_id=uuid.uuid4(), campaign_id=campaign, supporter_key=key)


async def wait_for_totals(db: ServiceDatabase, campaign: str, signed: int, confirmed: int) -> Any:
    deadline = time.monotonic() + 30
    doc = None
    while time.monotonic() < deadline:
        doc = await db.db["totals"].find_one({"_id": campaign})
        if doc and (doc.get("signed"), doc.get("confirmed")) == (signed, confirmed):
            return doc
        await asyncio.sleep(0.1)
    raise AssertionError(f"totals of {campaign} never reached {signed}/{confirmed}: {doc}")


def reconcile(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPTS / "counter-reconcile"), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


async def test_consumer_counts_once_and_reconcile_finds_and_repairs_drift(
    shared_settings: SharedSettings, database: ServiceDatabase, unique: str
) -> None:
    a, b = f"a-{unique}", f"b-{unique}"
    events = [
        confirm(a, "k2"),  # before its signup: counted when the signup comes
        pledge(a, "k1", "FR", region="FR-IDF", partner="incubateur"),
        pledge(a, "k1", "FR"),  # a repeat
        pledge(a, "k2", "SN", region="SN-DK"),
        confirm(a, "k1"),
        confirm(a, "k1"),  # a second click
        of_supporter(
            VolunteerRegistered,
            b,
            "k9",
            double_opt_in=False,
            country="CI",
            skills=("mentoring",),
            availability="more",
        ),
    ]
    publisher = EventPublisher(
        shared_settings.kafka_bootstrap, prefix=shared_settings.topic_prefix, client_id="test"
    )
    await publisher.start()
    try:
        for event in events:
            await publisher.publish(event, key=event.campaign_id)  # type: ignore[attr-defined]
    finally:
        await publisher.stop()

    env = service_env(
        shared_settings,
        COUNTER_MONGO_DATABASE=database.db.name,
        COUNTER_CONSUMER_GROUP=f"counter-{unique}",
    )
    with running("counter-consumer", env):
        totals_a = await wait_for_totals(database, a, signed=2, confirmed=2)
        totals_b = await wait_for_totals(database, b, signed=1, confirmed=1)
    assert totals_a["slug"] == "femmes"
    assert totals_a["by_country"] == {
        "FR": {"signed": 1, "confirmed": 1},
        "SN": {"signed": 1, "confirmed": 1},
    }
    assert totals_a["by_region"] == {
        "FR-IDF": {"signed": 1, "confirmed": 1},
        "SN-DK": {"signed": 1, "confirmed": 1},
    }
    assert totals_a["by_macro_region"] == {
        "Europe": {"signed": 1, "confirmed": 1},
        "Africa": {"signed": 1, "confirmed": 1},
    }
    assert totals_a["by_partner"] == {"incubateur": {"signed": 1, "confirmed": 1}}
    assert totals_a.get("volunteers", 0) == 0
    assert (totals_b["volunteers"], totals_b["by_macro_region"]) == (
        1,
        {"Africa": {"signed": 1, "confirmed": 1, "volunteers": 1}},
    )

    checked = reconcile(env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"{a}: ok" in checked.stdout

    await database.db["totals"].update_one(
        {"_id": a}, {"$inc": {"signed": 5, "by_country.FR.signed": 5}}
    )
    found = reconcile(env, "--campaign", a)
    assert found.returncode == 1
    assert f"{a}: signed: stored 7, recounted 2" in found.stdout
    assert f"{a}: by_country.FR.signed: stored 6, recounted 1" in found.stdout

    repaired = reconcile(env, "--repair")
    assert repaired.returncode == 0, repaired.stdout
    assert "(repaired)" in repaired.stdout
    assert reconcile(env).returncode == 0
    doc = await database.db["totals"].find_one({"_id": a})
    assert doc is not None
    assert (doc["signed"], doc["by_country"]["FR"]["signed"]) == (2, 1)
