"""The signup API against the real Kafka and FerretDB: a 202 means the event is in the topic."""

from __future__ import annotations

from devstack.harness.signup import SignupService
from mobilise_events import PledgeSigned, VolunteerRegistered
from signup.schemas.signups import PLEDGE_EXAMPLE
from tests.kafka_reader import end_offsets, read_events

# Each test gives its campaign's consent text version.
PLEDGE = {**PLEDGE_EXAMPLE, "email": "Awa.Diop@Example.ORG"}


async def test_accepted_pledge_is_in_the_topic_keyed_by_campaign(signup: SignupService) -> None:
    campaign = signup.create_campaign()
    body = {**PLEDGE, "consent_text_version": campaign["consent"]["version"]}
    with signup.client() as c:
        response = c.post(f"/api/v1/campaigns/{campaign['slug']}/pledges", json=body)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "pending_confirmation"

    prefix = signup.shared.topic_prefix
    [event] = await read_events(
        signup.shared.kafka_bootstrap, prefix + PledgeSigned.topic, prefix, count=1
    )
    assert isinstance(event, PledgeSigned)
    assert str(event.signup_id) == response.json()["id"]
    assert event.campaign_id == campaign["id"]
    assert event.email == "Awa.Diop@example.org"  # domain lower-cased, mailbox kept
    assert (event.country, event.region, event.locale) == ("SN", "SN-DK", "fr")
    # Its links are the mailer's to mint (tests/integration/test_mailer_signups.py).
    assert event.double_opt_in
    assert (event.schema_version, event.confirm_token, event.unsubscribe_token) == (2, None, None)


async def test_a_repeat_gets_the_same_answer_and_the_same_supporter_key(
    signup: SignupService,
) -> None:
    campaign = signup.create_campaign(kind="volunteer")
    body = {
        **PLEDGE,
        "consent_text_version": campaign["consent"]["version"],
        "skills": ["mentoring"],
        "availability": "few_hours_month",
    }
    url = f"/api/v1/campaigns/{campaign['slug']}/volunteers"
    with signup.client() as c:
        first = c.post(url, json=body)
        second = c.post(url, json={**body, "email": "  awa.diop@EXAMPLE.org "})
    assert first.status_code == second.status_code == 202
    assert first.json()["status"] == second.json()["status"]

    prefix = signup.shared.topic_prefix
    events = await read_events(
        signup.shared.kafka_bootstrap, prefix + VolunteerRegistered.topic, prefix, count=2
    )
    # Two events (both accepted), one supporter: the counter counts the key once.
    assert len({e.supporter_key for e in events}) == 1  # type: ignore[attr-defined]
    assert len({e.signup_id for e in events}) == 2  # type: ignore[attr-defined]


async def test_refused_signup_publishes_nothing(signup: SignupService) -> None:
    campaign = signup.create_campaign(countries=["FR"])
    topic = signup.shared.topic_prefix + PledgeSigned.topic
    before = await end_offsets(signup.shared.kafka_bootstrap, topic)
    body = {**PLEDGE, "consent_text_version": campaign["consent"]["version"]}  # SN: not covered
    with signup.client() as c:
        response = c.post(f"/api/v1/campaigns/{campaign['slug']}/pledges", json=body)
    assert response.status_code == 422
    assert response.json() == {
        "detail": "this campaign is open to FR, not SN",
        "field": "country",
    }
    assert await end_offsets(signup.shared.kafka_bootstrap, topic) == before
