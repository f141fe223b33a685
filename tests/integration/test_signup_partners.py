"""Partners against a real signup-api, Kafka and FerretDB: the organiser API and the admin CLI,
CORS on the widget's endpoints (preflight included), the iframe embed, and signups that record
their partner."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from devstack.harness.processes import SCRIPTS, service_env
from devstack.harness.signup import SignupService, page_form, pledge_body
from mobilise_events import PledgeSigned
from tests.kafka_reader import end_offsets, read_events

SITE = "https://asso-dakar.example"
DEV_SITE = "http://localhost:8003"
ELSEWHERE = "https://elsewhere.example"


def register(signup: SignupService, *slugs: str, **fields: Any) -> dict[str, Any]:
    body = {"name": "Asso Dakar", "campaigns": list(slugs), "origins": [SITE, DEV_SITE], **fields}
    with signup.client(organiser=True) as c:
        response = c.post("/api/v1/partners", json=body)
    assert response.status_code == 201, response.text
    partner: dict[str, Any] = response.json()
    return partner


def pledge(campaign: dict[str, Any], **fields: Any) -> dict[str, Any]:
    values = {"country": "SN", "newsletter_opt_in": False, **fields}
    return pledge_body(campaign["consent"]["version"], **values)


# The organiser API ------------------------------------------------------------------------------


def test_a_partner_gets_a_public_key_its_origins_and_embed_code(signup: SignupService) -> None:
    first = signup.create_campaign()
    second = signup.create_campaign(kind="volunteer")
    partner = register(
        signup,
        first["slug"],
        second["slug"],
        origins=["HTTPS://Asso-Dakar.example:443", DEV_SITE],
    )
    key = partner["key"]
    assert key.startswith("asso-dakar-")
    assert partner["origins"] == [SITE, DEV_SITE]
    assert partner["campaigns"] == [first["slug"], second["slug"]]
    embed = partner["embed"][first["slug"]]
    assert f'data-partner="{key}"' in embed["script"]
    assert f'src="{signup.url}/widget.js"' in embed["script"]
    assert f'src="{signup.url}/embed/{first["slug"]}?partner={key}"' in embed["iframe"]

    with signup.client(organiser=True) as c:
        assert c.get(f"/api/v1/partners/{key}").json() == partner
        assert [p["key"] for p in c.get("/api/v1/partners").json()] == [key]
        changed = c.patch(f"/api/v1/partners/{key}", json={"origins": [ELSEWHERE]})
        assert changed.status_code == 200, changed.text
        assert changed.json()["origins"] == [ELSEWHERE]
        assert changed.json()["campaigns"] == [first["slug"], second["slug"]]
        chosen = c.post(
            "/api/v1/partners",
            json={
                "name": "École",
                "key": "ecole-42",
                "campaigns": [first["slug"]],
                "origins": [SITE],
            },
        )
        assert chosen.status_code == 201, chosen.text
        assert chosen.json()["key"] == "ecole-42"


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"origins": ["https://*.example"]}, 422, "wildcard"),
        ({"origins": ["http://asso.example"]}, 422, "use https"),
        ({"origins": ["https://asso.example/page"]}, 422, "path"),
        ({"origins": []}, 422, "at least 1"),
        ({"campaigns": ["no-such-campaign"]}, 422, "no campaign no-such-campaign"),
        ({"campaigns": []}, 422, "at least 1"),
        ({"key": "ecole-42"}, 409, "exists already"),
        ({"key": "has space"}, 422, "pattern"),
        ({"secret": "x"}, 422, "Extra inputs"),
        ({"name": "<script>"}, 422, "< or >"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    signup: SignupService, body: dict[str, Any], status: int, says: str
) -> None:
    campaign = signup.create_campaign()
    register(signup, campaign["slug"], key="ecole-42")
    with signup.client(organiser=True) as c:
        before = c.get("/api/v1/partners").json()
        valid = {"name": "Asso", "campaigns": [campaign["slug"]], "origins": [SITE]}
        response = c.post("/api/v1/partners", json={**valid, **body})
        assert response.status_code == status, response.text
        assert says in str(response.json()["detail"])
        if "key" not in body:
            patched = c.patch("/api/v1/partners/ecole-42", json=body)
            assert patched.status_code == 422, patched.text
        assert c.get("/api/v1/partners").json() == before


def test_partners_are_for_organisers_only(signup: SignupService) -> None:
    with signup.client() as c:
        assert c.get("/api/v1/partners").status_code == 401
        assert c.post("/api/v1/partners", json={}).status_code == 401
    with signup.client(organiser=True) as c:
        missing = c.get("/api/v1/partners/nobody")
        assert missing.status_code == 404
        assert missing.json() == {"detail": "no partner 'nobody'"}
        assert c.patch("/api/v1/partners/nobody", json={"name": "X"}).status_code == 404


def test_the_cli_registers_partners(signup: SignupService) -> None:
    campaign = signup.create_campaign()
    env = service_env(
        signup.shared, SIGNUP_MONGO_DATABASE=signup.database, SIGNUP_PUBLIC_URL=signup.url
    )

    def mobilise(*args: str) -> subprocess.CompletedProcess[str]:
        argv = [str(SCRIPTS / "mobilise"), "partner", *args]
        return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=30)

    made = mobilise(
        "add", "--name", "Lycée Senghor", "--key", "lycee-senghor",
        "--campaign", campaign["slug"], "--origin", SITE, "--origin", "http://127.0.0.1:8003",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "lycee-senghor" in made.stdout
    assert f'<script src="{signup.url}/widget.js" async></script>' in made.stdout
    assert f"{signup.url}/embed/{campaign['slug']}?partner=lycee-senghor" in made.stdout
    refused = mobilise(
        "add", "--name", "X", "--campaign", campaign["slug"], "--origin", "https://*.example"
    )
    assert refused.returncode == 1
    assert "wildcard" in refused.stderr
    changed = mobilise("origins", "--key", "lycee-senghor", "--origin", ELSEWHERE)
    assert changed.returncode == 0, changed.stderr
    with signup.client(organiser=True) as c:
        partner = c.get("/api/v1/partners/lycee-senghor").json()
    assert partner["origins"] == [ELSEWHERE]
    assert "lycee-senghor" in mobilise("list").stdout


# CORS -------------------------------------------------------------------------------------------


def test_a_registered_origin_gets_cors_and_a_preflight(signup: SignupService) -> None:
    campaign = signup.create_campaign()
    key = register(signup, campaign["slug"])["key"]
    signups = f"/api/v1/campaigns/{campaign['slug']}/pledges?partner={key}"
    with signup.client() as c:
        preflight = c.options(
            signups,
            headers={
                "Origin": DEV_SITE,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        config = c.get(
            f"/api/v1/campaigns/{campaign['slug']}/widget?partner={key}&locale=en",
            headers={"Origin": SITE},
        )
        progress = c.get(f"/c/{campaign['slug']}/progress?partner={key}", headers={"Origin": SITE})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == DEV_SITE
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert preflight.headers["access-control-allow-headers"].lower() == "content-type"
    for response in (preflight, config, progress):
        assert "access-control-allow-credentials" not in response.headers
        assert "Origin" in response.headers["vary"]
    assert config.status_code == 200, config.text
    assert config.headers["access-control-allow-origin"] == SITE
    body = config.json()
    assert body["title"] == "Women in digital"
    assert body["signup_url"] == f"{signup.url}/api/v1/campaigns/{campaign['slug']}/pledges"
    assert body["strings"]["submit"] == "Sign"
    assert progress.headers["access-control-allow-origin"] == SITE


@pytest.mark.parametrize(
    ("origin", "partner", "says"),
    [
        (ELSEWHERE, "registered", "is not registered for partner"),
        ("null", "registered", "is not registered for partner"),
        (SITE, "", "cross-origin calls need ?partner="),
        (SITE, "nobody-here", "no partner 'nobody-here'"),
        (SITE, "other-campaign", "is not a partner of campaign"),
    ],
)
async def test_anything_else_is_refused_and_records_nothing(
    signup: SignupService, origin: str, partner: str, says: str
) -> None:
    campaign = signup.create_campaign()
    other = signup.create_campaign()
    keys = {
        "registered": register(signup, campaign["slug"])["key"],
        "other-campaign": register(signup, other["slug"])["key"],
    }
    key = keys.get(partner, partner)
    query = f"?partner={key}" if key else ""
    topic = signup.shared.topic_prefix + PledgeSigned.topic
    before = await end_offsets(signup.shared.kafka_bootstrap, topic)
    url = f"/api/v1/campaigns/{campaign['slug']}/pledges{query}"
    with signup.client() as c:
        preflight = c.options(
            url, headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
        )
        posted = c.post(url, json=pledge(campaign, partner=key or None), headers={"Origin": origin})
        config = c.get(
            f"/api/v1/campaigns/{campaign['slug']}/widget{query}", headers={"Origin": origin}
        )
    for response in (preflight, posted, config):
        assert response.status_code == 403, response.text
        assert says in response.json()["detail"]
        assert "access-control-allow-origin" not in response.headers
    assert await end_offsets(signup.shared.kafka_bootstrap, topic) == before


def test_a_volunteer_campaign_widget_asks_skills_and_availability(signup: SignupService) -> None:
    campaign = signup.create_campaign(kind="volunteer", countries=["SN", "FR"])
    key = register(signup, campaign["slug"])["key"]
    with signup.client() as c:
        config = c.get(
            f"/api/v1/campaigns/{campaign['slug']}/widget?partner={key}&locale=fr",
            headers={"Origin": DEV_SITE},
        )
        unknown_locale = c.get(f"/api/v1/campaigns/{campaign['slug']}/widget?locale=de")
    assert config.status_code == 200, config.text
    body = config.json()
    assert body["signup_url"].endswith(f"/api/v1/campaigns/{campaign['slug']}/volunteers")
    assert [c["value"] for c in body["countries"]] == ["FR", "SN"]
    assert {"value": "mentoring", "label": "Mentorat d'entrepreneures"} in body["skills"]
    assert body["availabilities"][0]["value"] == "few_hours_month"
    assert body["strings"]["submit"] == "Je m'inscris"
    assert unknown_locale.status_code == 422


def test_the_service_own_pages_need_no_partner(signup: SignupService) -> None:
    campaign = signup.create_campaign()
    with signup.client() as c:
        own = c.post(
            f"/api/v1/campaigns/{campaign['slug']}/pledges",
            json=pledge(campaign),
            headers={"Origin": signup.url},
        )
        assert own.status_code == 202, own.text
        assert "access-control-allow-origin" not in own.headers
        # Other endpoints give no CORS to anyone.
        read = c.get(f"/api/v1/campaigns/{campaign['slug']}", headers={"Origin": SITE})
        assert "access-control-allow-origin" not in read.headers


# Signups record their partner -------------------------------------------------------------------


async def test_signups_record_the_partner_that_brought_them(signup: SignupService) -> None:
    campaign = signup.create_campaign()
    other = signup.create_campaign()
    key = register(signup, campaign["slug"])["key"]
    outsider = register(signup, other["slug"])["key"]
    url = f"/api/v1/campaigns/{campaign['slug']}/pledges"
    with signup.client() as c:
        widget = c.post(
            f"{url}?partner={key}",
            json=pledge(campaign, email="widget@example.org"),
            headers={"Origin": SITE},
        )
        assert widget.status_code == 202, widget.text
        assert widget.headers["access-control-allow-origin"] == SITE
        mismatch = c.post(f"{url}?partner={key}", json=pledge(campaign, partner=outsider))
        assert mismatch.status_code == 422
        assert mismatch.json()["field"] == "partner"
        not_theirs = c.post(url, json=pledge(campaign, partner=outsider))
        assert not_theirs.status_code == 422
        assert "is not a partner of this campaign" in not_theirs.json()["detail"]
        # The iframe: the hosted form, framed by the partner's sites only, recording the partner.
        page = c.get(f"/embed/{campaign['slug']}?partner={key}")
        assert page.status_code == 200
        policy = page.headers["content-security-policy"]
        assert f"frame-ancestors {SITE} {DEV_SITE}" in policy
        assert f'name="consent_text_version" value="{campaign["consent"]["version"]}"' in page.text
        version = campaign["consent"]["version"]
        form = page_form(version, email="iframe@example.org", first_name="Fatou")
        sent = c.post(f"/embed/{campaign['slug']}?partner={key}&lang=fr", data=form)
        assert sent.status_code == 303, sent.text
        assert sent.headers["location"].startswith(f"/embed/{campaign['slug']}/thanks?")
        thanks = c.get(sent.headers["location"])
        assert thanks.status_code == 200
        assert "frame-ancestors " + SITE in thanks.headers["content-security-policy"]
        for refused in (
            f"/embed/{campaign['slug']}?partner={outsider}",
            f"/embed/{campaign['slug']}",
        ):
            page = c.get(refused)
            assert page.status_code == 403
            assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        unknown = c.get(f"/embed/no-such-campaign?partner={key}")
        assert unknown.status_code == 404
        assert "frame-ancestors 'none'" in unknown.headers["content-security-policy"]
    prefix = signup.shared.topic_prefix
    events = await read_events(
        signup.shared.kafka_bootstrap, prefix + PledgeSigned.topic, prefix, count=2
    )
    assert {(e.email, e.partner) for e in events} == {  # type: ignore[attr-defined]
        ("widget@example.org", key),
        ("iframe@example.org", key),
    }
