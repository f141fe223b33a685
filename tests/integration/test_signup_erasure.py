"""GDPR requests by email against a real signup-api and signup-projector: the export gives every
record with its consents; an erasure is one `supporter.erased.v1` per campaign, keyed by it, after
which the records are gone and a replay of the person's older signups does not bring them back."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from typing import Any

from devstack.harness.processes import SCRIPTS, running
from devstack.harness.signup import SignupService, projector_env
from mobilise_events import Event, PledgeSigned, Signup, SupporterErased
from mobilise_runtime.kafka import EventPublisher
from tests.integration.test_signup_records import export, export_until
from tests.kafka_reader import end_offsets, read_keyed

AWA = "awa.erase@example.org"


def pledge(service: SignupService, campaign: dict[str, Any], email: str, name: str) -> None:
    service.pledge(campaign, email=email, first_name=name)


def post(service: SignupService, action: str, body: object) -> Any:
    with service.client(organiser=True) as c:
        return c.post(f"/api/v1/supporters/{action}", json=body)


def until(probe: Callable[[], Any], ready: Callable[[Any], bool]) -> Any:
    deadline = time.monotonic() + 30
    while True:
        value = probe()
        if ready(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


async def erased_events(service: SignupService, count: int) -> list[tuple[bytes | None, Event]]:
    prefix = service.shared.topic_prefix
    topic = prefix + SupporterErased.topic
    return await read_keyed(service.shared.kafka_bootstrap, topic, prefix, count=count)


async def test_export_then_erasure_removes_the_person_for_good(signup: SignupService) -> None:
    first, second = signup.create_campaign(), signup.create_campaign()
    pledge(signup, first, AWA, "Awa")
    pledge(signup, first, AWA.upper(), "Awa")  # the same person: one record, two consents
    pledge(signup, second, AWA, "Awa")
    pledge(signup, first, "bintou@example.org", "Bintou")

    with running("signup-projector", projector_env(signup)):
        export_until(signup, first["slug"], lambda rows: len(rows) == 2)
        exported = until(
            lambda: post(signup, "export", {"email": "Awa.Erase@Example.org"}).json(),
            lambda body: len(body["records"]) == 2,
        )
        records = {r["campaign_id"]: r for r in exported["records"]}
        assert set(records) == {first["id"], second["id"]}
        assert len(records[first["id"]]["consents"]) == 2
        assert (
            records[second["id"]]["consents"][0]["consent_text_version"]
            == (second["consent"]["version"])
        )
        assert records[first["id"]]["first_name"] == "Awa"
        assert "supporter_key" not in records[first["id"]]
        nobody = post(signup, "export", {"email": "nobody@example.org"})
        assert (nobody.status_code, nobody.json()["records"]) == (200, [])

        erased = post(signup, "erase", {"email": AWA})
        assert (erased.status_code, erased.json()) == (202, {"campaigns": 2})

        prefix = signup.shared.topic_prefix
        pledges = await read_keyed(
            signup.shared.kafka_bootstrap, prefix + PledgeSigned.topic, prefix, count=4
        )
        awa = [e for _, e in pledges if isinstance(e, Signup) and e.email.lower() == AWA]
        keys = {e.campaign_id: e.supporter_key for e in awa}
        events = await erased_events(signup, 2)
        by_key = {(key or b"").decode(): event for key, event in events}
        assert set(by_key) == {first["id"], second["id"]}
        for campaign_id, event in by_key.items():
            assert isinstance(event, SupporterErased)
            assert [(s.campaign_id, s.supporter_key) for s in event.signups] == [
                (campaign_id, keys[campaign_id])
            ]

        rows = export_until(signup, first["slug"], lambda rows: len(rows) == 1)
        assert [r["email"] for r in rows] == ["bintou@example.org"]
        assert until(lambda: export(signup, second["slug"]), lambda rows: rows == []) == []
        assert post(signup, "export", {"email": AWA}).json()["records"] == []

        # The person's older signups, replayed, then a later one of someone else on the same
        # partition: once that one is projected, the replay has been applied (and ignored).
        publisher = EventPublisher(signup.shared.kafka_bootstrap, prefix=prefix, client_id="replay")
        await publisher.start()
        try:
            for event in awa:
                await publisher.publish(event, key=event.campaign_id)
        finally:
            await publisher.stop()
        pledge(signup, first, "chiara@example.org", "Chiara")
        rows = export_until(signup, first["slug"], lambda rows: len(rows) == 2)
        assert [r["email"] for r in rows] == ["bintou@example.org", "chiara@example.org"]
        assert export(signup, second["slug"]) == []
        assert post(signup, "export", {"email": AWA}).json()["records"] == []


async def test_erasing_an_unknown_address_still_publishes_one_event(
    signup: SignupService,
) -> None:
    erased = post(signup, "erase", {"email": "never-signed@example.org"})
    assert (erased.status_code, erased.json()) == (202, {"campaigns": 0})
    [(key, event)] = await erased_events(signup, 1)
    assert isinstance(event, SupporterErased)
    assert (key, event.email, event.signups) == (b"", "never-signed@example.org", ())


async def test_requests_need_an_organiser_and_a_valid_body(signup: SignupService) -> None:
    for action in ("export", "erase"):
        with signup.client() as c:
            anonymous = c.post(f"/api/v1/supporters/{action}", json={"email": AWA})
        assert anonymous.status_code == 401, anonymous.text
        assert anonymous.headers["www-authenticate"] == "Bearer"
        for body in ({"email": "not-an-address"}, {"email": AWA, "campaign": "x"}, {}, [AWA]):
            refused = post(signup, action, body)
            assert refused.status_code == 422, refused.text
            assert "detail" in refused.json()
    prefix = signup.shared.topic_prefix
    ends = await end_offsets(signup.shared.kafka_bootstrap, prefix + SupporterErased.topic)
    assert sum(ends.values()) == 0


def mobilise(service: SignupService, *args: str) -> str:
    done = subprocess.run(
        [str(SCRIPTS / "mobilise"), "supporter", *args],
        env=projector_env(service),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout


async def test_cli_exports_and_erases_as_the_api_does(signup: SignupService) -> None:
    campaign = signup.create_campaign()
    pledge(signup, campaign, AWA, "Awa")
    with running("signup-projector", projector_env(signup)):
        export_until(signup, campaign["slug"], lambda rows: len(rows) == 1)
    exported = json.loads(mobilise(signup, "export", "--email", AWA.upper()))
    assert [r["campaign_id"] for r in exported["records"]] == [campaign["id"]]
    assert "(1 campaigns)" in mobilise(signup, "erase", "--email", AWA)
    [(key, event)] = await erased_events(signup, 1)
    assert isinstance(event, SupporterErased)
    assert (key, [s.campaign_id for s in event.signups]) == (
        campaign["id"].encode(),
        [campaign["id"]],
    )
