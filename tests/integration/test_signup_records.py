"""Supporter records: projected from the signup events by `signup-projector`, exported as CSV,
and organisers made with the `mobilise` CLI."""

from __future__ import annotations

import csv
import io
import subprocess
import time
import uuid

import httpx

from devstack.harness.processes import SCRIPTS, running, service_env
from devstack.harness.signup import SignupService, projector_env
from mobilise_events import PledgeSigned, Signup, SignupConfirmed, SupporterUnsubscribed
from mobilise_runtime.kafka import EventPublisher
from tests.kafka_reader import read_events


def export(service: SignupService, slug: str) -> list[dict[str, str]]:
    with service.client(organiser=True) as c:
        response = c.get(f"/api/v1/campaigns/{slug}/supporters.csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def export_until(service: SignupService, slug: str, ready: object) -> list[dict[str, str]]:
    deadline = time.monotonic() + 30
    while True:
        rows = export(service, slug)
        if ready(rows) or time.monotonic() > deadline:  # type: ignore[operator]
            return rows
        time.sleep(0.2)


async def test_projected_records_export_once_per_supporter_with_consent_history(
    signup: SignupService,
) -> None:
    campaign = signup.create_campaign(kind="pledge", double_opt_in=True)
    version = campaign["consent"]["version"]
    pledges: list[dict[str, str | bool]] = [
        {"email": "awa@example.org", "first_name": "Awa", "newsletter_opt_in": False},
        {"email": "AWA@Example.org", "first_name": "Awa", "newsletter_opt_in": True},
        {"email": "mallory@example.org", "first_name": '=HYPERLINK("x")', "last_name": "-1+1"},
    ]
    ids = []
    with signup.client() as c:
        for pledge in pledges:
            body = {"country": "FR", "locale": "fr", "newsletter_opt_in": True, **pledge}
            response = c.post(
                f"/api/v1/campaigns/{campaign['slug']}/pledges",
                json={**body, "consent_text_version": version},
            )
            assert response.status_code == 202, response.text
            ids.append(response.json()["id"])

    with running("signup-projector", projector_env(signup)):
        rows = export_until(signup, campaign["slug"], lambda r: len(r) == 2)
        # One row per person; the latest signup's details and choices win.
        assert [r["email"] for r in rows] == ["AWA@example.org", "mallory@example.org"]
        awa, mallory = rows
        assert awa["newsletter_opt_in"] == "True"
        assert awa["consent_text_version"] == version
        assert awa["confirmed"] == "False"
        # Cells a spreadsheet would run as formulas are exported as text.
        assert mallory["first_name"] == '\'=HYPERLINK("x")'
        assert mallory["last_name"] == "'-1+1"
        assert "supporter_key" not in awa

        publisher = EventPublisher(
            signup.shared.kafka_bootstrap, prefix=signup.shared.topic_prefix, client_id="test"
        )
        await publisher.start()
        try:
            key = await _supporter_key(signup, ids[0])
            await publisher.publish(
                SignupConfirmed(
                    signup_id=uuid.UUID(ids[0]), campaign_id=campaign["id"], supporter_key=key
                ),
                key=campaign["id"],
            )
            await publisher.publish(
                SupporterUnsubscribed(email="Awa@example.org", campaign_id=campaign["id"]),
                key=campaign["id"],
            )
        finally:
            await publisher.stop()
        rows = export_until(
            signup,
            campaign["slug"],
            lambda r: r[0]["confirmed"] == "True" and r[0]["newsletter_opt_in"] == "False",
        )
        assert (rows[0]["confirmed"], rows[0]["newsletter_opt_in"]) == ("True", "False")
        assert rows[1]["newsletter_opt_in"] == "True"


async def _supporter_key(service: SignupService, signup_id: str) -> str:
    prefix = service.shared.topic_prefix
    events = await read_events(
        service.shared.kafka_bootstrap, prefix + PledgeSigned.topic, prefix, count=3
    )
    return next(
        e.supporter_key for e in events if isinstance(e, Signup) and str(e.signup_id) == signup_id
    )


def test_export_needs_an_organiser(signup: SignupService) -> None:
    campaign = signup.create_campaign()
    response = httpx.get(f"{signup.url}/api/v1/campaigns/{campaign['slug']}/supporters.csv")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_cli_creates_organisers_whose_tokens_work(signup: SignupService, unique: str) -> None:
    env = service_env(signup.shared, SIGNUP_MONGO_DATABASE=signup.database)
    email = f"organiser-{unique}@example.org"

    def add_fatou() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(SCRIPTS / "mobilise"), "organiser", "add", "--name", "Fatou", "--email", email],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )

    made = add_fatou()
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    listed = httpx.get(
        f"{signup.url}/api/v1/campaigns", headers={"Authorization": f"Bearer {token}"}
    )
    assert listed.status_code == 200, listed.text
    again = add_fatou()
    assert again.returncode == 1
    assert "exists already" in again.stderr
    wrong = httpx.get(
        f"{signup.url}/api/v1/campaigns", headers={"Authorization": f"Bearer {token}x"}
    )
    assert wrong.status_code == 401
