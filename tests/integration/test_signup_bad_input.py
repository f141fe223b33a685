"""Bad input against a real signup-api: each request gets its own 4xx with a JSON `detail` that says
what is wrong, and none of them publishes anything to Kafka."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from devstack.config import StackConfig
from devstack.harness.isolation import own_topics, shared_settings
from devstack.harness.signup import ADMIN_TOKEN, SignupService, signup_api
from mobilise_events import PledgeSigned, VolunteerRegistered
from mobilise_runtime.mongo import ServiceDatabase
from signup.schemas.signups import PLEDGE_EXAMPLE
from tests.kafka_reader import end_offsets

RUN = uuid.uuid4().hex[:8]
CONSENT = f"bad-input-{RUN}"
OTHER_CONSENT = f"bad-input-other-{RUN}"  # published, but no campaign of ours accepts it
MAX_BODY = 16_384  # Settings.max_body_bytes' default
SLUGS = {
    "pledge": f"pledge-{RUN}",
    "volunteer": f"volunteer-{RUN}",
    "closed": f"closed-{RUN}",
    "scheduled": f"scheduled-{RUN}",
    "ended": f"ended-{RUN}",
}
PLEDGE: dict[str, Any] = {**PLEDGE_EXAMPLE, "consent_text_version": CONSENT}
VOLUNTEER: dict[str, Any] = {
    **PLEDGE,
    "skills": ["mentoring"],
    "availability": "few_hours_month",
    "wants_training": True,
}
ORGANISER = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture(scope="module")
async def module_topics(stack: StackConfig) -> AsyncIterator[str]:
    """This module's own topics (the conftest's are per test; these serve a module's process)."""
    async with own_topics(stack.kafka_bootstrap, f"t{uuid.uuid4().hex[:12]}.") as prefix:
        yield prefix


@pytest.fixture(scope="module")
async def drop_database(stack: StackConfig) -> AsyncIterator[None]:
    yield
    db = ServiceDatabase(stack.mongo_url, f"signup_bad_{RUN}", app_name="tests")
    await db.client.drop_database(db.db.name)
    await db.close()


@pytest.fixture(scope="module")
def signup(stack: StackConfig, module_topics: str, drop_database: None) -> Iterator[SignupService]:
    shared = shared_settings(stack, module_topics)
    with signup_api(shared, f"signup_bad_{RUN}") as service:
        _create_campaigns(service)
        yield service


def _create_campaigns(service: SignupService) -> None:
    now = datetime.now(UTC)
    with service.client(organiser=True) as c:
        for version in (CONSENT, OTHER_CONSENT):
            text = {"fr": f"J'accepte ({version}).", "en": f"I agree ({version})."}
            created = c.post("/api/v1/consent-texts", json={"version": version, "text": text})
            assert created.status_code == 201, created.text
    common = {"consent_text_versions": [CONSENT], "countries": ["SN", "FR"]}
    service.create_campaign(slug=SLUGS["pledge"], **common)
    service.create_campaign(slug=SLUGS["volunteer"], kind="volunteer", **common)
    service.create_campaign(slug=SLUGS["closed"], **common)
    service.create_campaign(
        slug=SLUGS["scheduled"], opens_at=(now + timedelta(days=7)).isoformat(), **common
    )
    service.create_campaign(
        slug=SLUGS["ended"],
        opens_at=(now - timedelta(days=7)).isoformat(),
        closes_at=(now - timedelta(days=1)).isoformat(),
        **common,
    )
    with service.client(organiser=True) as c:
        closed = c.post(f"/api/v1/campaigns/{SLUGS['closed']}/close")
        assert closed.status_code == 200, closed.text
        assert closed.json()["status"] == "closed"


@dataclass(frozen=True)
class Bad:
    """One bad request: `path` may name a campaign as {pledge}, {volunteer}, … (see SLUGS)."""

    path: str
    status: int
    says: str  # must appear in the detail (a string, or the "loc: msg" lines of a list)
    method: str = "POST"
    body: Any = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    chunked: bool = False
    names_field: str | None = None  # the "field" a domain refusal names
    response_headers: dict[str, str] = field(default_factory=dict)


PLEDGES = "/api/v1/campaigns/{pledge}/pledges"
VOLUNTEERS = "/api/v1/campaigns/{volunteer}/volunteers"
CAMPAIGNS = "/api/v1/campaigns"
NEW_CAMPAIGN: dict[str, Any] = {
    "kind": "pledge",
    "title": {"fr": "Égalité", "en": "Equality"},
    "goal": 1000,
    "consent_text_versions": [CONSENT],
}


def _without(body: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in names}


def pledge_with(changes: dict[str, Any], says: str, *, names: str | None = None) -> Bad:
    """A pledge with `changes`, refused (422) saying `says`; a domain refusal `names` its field."""
    return Bad(PLEDGES, 422, says, body={**PLEDGE, **changes}, names_field=names)


def volunteer_with(changes: dict[str, Any], says: str) -> Bad:
    return Bad(VOLUNTEERS, 422, says, body={**VOLUNTEER, **changes})


def new_campaign_with(
    changes: dict[str, Any], status: int, says: str, *, names: str | None = None
) -> Bad:
    """An organiser's new campaign with `changes`, refused (`status`) saying `says`."""
    body = {**NEW_CAMPAIGN, **changes}
    return Bad(CAMPAIGNS, status, says, body=body, headers=ORGANISER, names_field=names)


def unauthorised(slug: str, says: str, authorization: str | None = None) -> Bad:
    """A new campaign `slug` asked for without a valid organiser's token: a 401, challenged."""
    headers = {"Authorization": authorization} if authorization else {}
    body = {**NEW_CAMPAIGN, "slug": f"{slug}-{RUN}"}
    challenge = {"WWW-Authenticate": "Bearer"}
    return Bad(CAMPAIGNS, 401, says, body=body, headers=headers, response_headers=challenge)


TABLE: dict[str, Bad] = {
    # The envelope.
    "malformed json": Bad(
        PLEDGES,
        422,
        "JSON decode error",
        content=b'{"email": "awa@example.org",',
        headers={"Content-Type": "application/json"},
    ),
    "not utf-8": Bad(
        PLEDGES,
        400,
        "There was an error parsing the body",
        content=b'{"email": "\xff\xfe"}',
        headers={"Content-Type": "application/json"},
    ),
    "wrong content type": Bad(
        PLEDGES,
        422,
        "body: Input should be a valid dictionary",
        content=json.dumps(PLEDGE).encode(),
        headers={"Content-Type": "text/plain"},
    ),
    "form instead of json": Bad(
        PLEDGES,
        422,
        "body: Input should be a valid dictionary",
        content=b"email=awa%40example.org&first_name=Awa",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ),
    "empty body": Bad(
        PLEDGES,
        422,
        "body: Field required",
        content=b"",
        headers={"Content-Type": "application/json"},
    ),
    "json array": Bad(PLEDGES, 422, "body: Input should be a valid dictionary", body=[PLEDGE]),
    "json null": Bad(
        PLEDGES,
        422,
        "body: Input should be a valid dictionary",
        content=b"null",
        headers={"Content-Type": "application/json"},
    ),
    "body over the limit (content-length)": Bad(
        PLEDGES,
        413,
        f"the request body is larger than {MAX_BODY} bytes",
        body={**PLEDGE, "last_name": "x" * MAX_BODY},
    ),
    "body over the limit (chunked)": Bad(
        PLEDGES,
        413,
        f"the request body is larger than {MAX_BODY} bytes",
        content=json.dumps({**PLEDGE, "last_name": "x" * MAX_BODY}).encode(),
        headers={"Content-Type": "application/json"},
        chunked=True,
    ),
    "body over the limit (organiser)": new_campaign_with(
        {"slug": f"huge-{RUN}", "description": {"fr": "x" * MAX_BODY}}, 413, "larger than"
    ),
    # Fields.
    "unknown field": pledge_with({"is_admin": 1}, "body.is_admin: Extra inputs are not permitted"),
    "missing email": Bad(
        PLEDGES, 422, "body.email: Field required", body=_without(PLEDGE, "email")
    ),
    "missing everything": Bad(PLEDGES, 422, "body.consent_text_version: Field required", body={}),
    "email invalid": pledge_with(
        {"email": "awa.example.org"},
        "body.email: Value error, An email address must have an @-sign",
    ),
    "email too long": pledge_with(
        {"email": "a" * 250 + "@example.org"},
        "body.email: String should have at most 254 characters",
    ),
    "email not a string": pledge_with({"email": 42}, "body.email: Input should be a valid string"),
    "first_name blank": pledge_with(
        {"first_name": "  "}, "body.first_name: Value should have at least 1 item"
    ),
    "first_name too long": pledge_with(
        {"first_name": "A" * 81}, "body.first_name: String should have at most 80 characters"
    ),
    "first_name control chars": pledge_with(
        {"first_name": "Awa\u0000\u001b[31m"},
        "body.first_name: contains control characters (such as NUL)",
    ),
    # NUL in any text: FerretDB on PostgreSQL cannot store it (it answered 500).
    "NUL in the consent text version": pledge_with(
        {"consent_text_version": "v1\u0000"},
        "body.consent_text_version: contains control characters (such as NUL)",
    ),
    "NUL in a query": Bad(
        PLEDGES + "?partner=a%00b",
        422,
        "query or path: contains control characters (such as NUL)",
        body=PLEDGE,
    ),
    "organiser: NUL in a campaign's title": new_campaign_with(
        {"slug": f"nul-{RUN}", "title": {"fr": "Fem\u0000mes", "en": "W"}},
        422,
        "body.title.fr: contains control characters (such as NUL)",
    ),
    "first_name with < >": pledge_with(
        {"first_name": "<script>alert(1)</script>"},
        "body.first_name: Value error, may not contain < or >",
    ),
    "country unknown": pledge_with(
        {"country": "XX", "region": None},
        "body.country: Value error, 'XX' is not an ISO 3166-1 alpha-2 country code",
    ),
    "country lower-case invalid": pledge_with(
        {"country": "zz", "region": None},
        "body.country: Value error, 'zz' is not an ISO 3166-1 alpha-2 country code",
    ),
    "country alpha-3": pledge_with(
        {"country": "SEN", "region": None}, "body.country: String should have at most 2 characters"
    ),
    "country not covered by the campaign": pledge_with(
        {"country": "CI", "region": None},
        "this campaign is open to SN, FR, not CI",
        names="country",
    ),
    "region not in the country": pledge_with(
        {"region": "FR-IDF"}, "body.region: Value error, FR-IDF is not a subdivision of SN"
    ),
    "region unknown": pledge_with(
        {"region": "SN-ZZ"}, "'SN-ZZ' is not an ISO 3166-2 subdivision code"
    ),
    "locale de": pledge_with(
        {"locale": "de"}, "body.locale: Input should be 'fr', 'en', 'ar' or 'ro'"
    ),
    "newsletter_opt_in maybe": pledge_with(
        {"newsletter_opt_in": "maybe"}, "body.newsletter_opt_in: Input should be a valid boolean"
    ),
    "consent version unknown to the campaign": pledge_with(
        {"consent_text_version": OTHER_CONSENT},
        f"consent text version '{OTHER_CONSENT}' is not one of this campaign's ({CONSENT})",
        names="consent_text_version",
    ),
    "consent version malformed": pledge_with(
        {"consent_text_version": "../../etc"},
        "body.consent_text_version: String should match pattern",
    ),
    "partner unknown": pledge_with(
        {"partner": "no-such-partner"},
        "'no-such-partner' is not a partner of this campaign",
        names="partner",
    ),
    "skills unknown": volunteer_with(
        {"skills": ["juggling"]}, "body.skills.0: Input should be 'digital_skills_training'"
    ),
    "skills duplicated": volunteer_with(
        {"skills": ["mentoring", "mentoring"]},
        "body: Value error, skills are listed more than once",
    ),
    "skills empty": volunteer_with({"skills": []}, "body.skills: List should have at least 1 item"),
    "availability missing": Bad(
        VOLUNTEERS,
        422,
        "body.availability: Field required",
        body=_without(VOLUNTEER, "availability"),
    ),
    # Campaigns and their state.
    "pledge to a volunteer campaign": Bad(
        "/api/v1/campaigns/{volunteer}/pledges",
        422,
        "this is a volunteer campaign: use its /volunteers endpoint",
        body=PLEDGE,
    ),
    "volunteer to a pledge campaign": Bad(
        "/api/v1/campaigns/{pledge}/volunteers",
        422,
        "this is a pledge campaign: use its /pledges endpoint",
        body=VOLUNTEER,
    ),
    "unknown campaign": Bad(
        f"/api/v1/campaigns/nope-{RUN}/pledges", 404, f"no campaign 'nope-{RUN}'", body=PLEDGE
    ),
    "closed by an organiser": Bad(
        "/api/v1/campaigns/{closed}/pledges",
        410,
        "this campaign is closed and no longer takes signups",
        body=PLEDGE,
    ),
    "not open yet": Bad(
        "/api/v1/campaigns/{scheduled}/pledges", 409, "this campaign opens on", body=PLEDGE
    ),
    "closed by its closing date": Bad(
        "/api/v1/campaigns/{ended}/pledges",
        410,
        "this campaign is closed and no longer takes signups",
        body=PLEDGE,
    ),
    # Organiser endpoints.
    "organiser: no token": unauthorised(
        "no-token", "this needs an organiser's token: Authorization: Bearer <token>"
    ),
    "organiser: not a bearer token": unauthorised(
        "basic", "this needs an organiser's token", "Basic YWRtaW46YWRtaW4="
    ),
    "organiser: wrong token": unauthorised(
        "wrong-token", "this token is not an organiser's token", "Bearer not-the-token"
    ),
    "organiser: wrong token, bad body": Bad(
        CAMPAIGNS,
        401,
        "this token is not an organiser's token",
        body={"slug": "X"},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}x"},
    ),
    "organiser: closing without a token": Bad(
        "/api/v1/campaigns/{pledge}/close", 401, "this needs an organiser's token"
    ),
    "organiser: export without a token": Bad(
        "/api/v1/campaigns/{pledge}/supporters.csv",
        401,
        "this needs an organiser's token",
        method="GET",
    ),
    "organiser: unknown consent version": new_campaign_with(
        {"slug": f"unknown-consent-{RUN}", "consent_text_versions": ["never-published"]},
        422,
        "no consent text never-published: publish it first (POST /api/v1/consent-texts)",
        names="consent_text_versions",
    ),
    "organiser: duplicate slug": new_campaign_with(
        {"slug": "{pledge}"}, 409, "a campaign '{pledge}' exists already", names="slug"
    ),
    "organiser: invalid slug": new_campaign_with(
        {"slug": "Not A Slug!"}, 422, "body.slug: String should match pattern"
    ),
    "organiser: goal 0": new_campaign_with(
        {"slug": f"goal-zero-{RUN}", "goal": 0},
        422,
        "body.goal: Input should be greater than or equal to 1",
    ),
    "organiser: closes before it opens": new_campaign_with(
        {
            "slug": f"backwards-{RUN}",
            "opens_at": "2026-06-01T00:00:00Z",
            "closes_at": "2026-05-01T00:00:00Z",
        },
        422,
        "closes_at must be after opens_at",
    ),
    "organiser: a date UTC cannot hold": new_campaign_with(
        {"slug": f"far-{RUN}", "closes_at": "9999-12-31T23:59:59-23:59"},
        422,
        "body.closes_at: Value error, date out of range",
    ),
    "organiser: patch to a date UTC cannot hold": Bad(
        "/api/v1/campaigns/{pledge}",
        422,
        "body.opens_at: Value error, date out of range",
        method="PATCH",
        body={"opens_at": "0001-01-01T00:00:00+01:00"},
        headers=ORGANISER,
    ),
    "organiser: patch nulls the goal": Bad(
        "/api/v1/campaigns/{pledge}",
        422,
        "goal may not be null",
        method="PATCH",
        body={"goal": None},
        headers=ORGANISER,
    ),
    "organiser: patch closes before the campaign opens": Bad(
        "/api/v1/campaigns/{scheduled}",
        422,
        "closes_at must be after opens_at",
        method="PATCH",
        body={"closes_at": datetime.now(UTC).isoformat()},
        headers=ORGANISER,
        names_field="closes_at",
    ),
    "organiser: close an unknown campaign": Bad(
        f"/api/v1/campaigns/nope-{RUN}/close", 404, f"no campaign 'nope-{RUN}'", headers=ORGANISER
    ),
    "organiser: consent text again": Bad(
        "/api/v1/consent-texts",
        409,
        f"consent text '{CONSENT}' exists already; publish a new version",
        body={"version": CONSENT, "text": {"fr": "Autre", "en": "Other"}},
        headers=ORGANISER,
        names_field="version",
    ),
}


def _fill(value: Any) -> Any:
    """The case's placeholders ({pledge}, …) replaced by this module's slugs."""
    if isinstance(value, str):
        return value.format(**SLUGS) if "{" in value and "}" in value else value
    if isinstance(value, dict):
        return {k: _fill(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v) for v in value]
    return value


def _detail_text(detail: Any) -> str:
    """A string detail as is; a list of pydantic errors as "loc: msg" lines."""
    if isinstance(detail, str):
        return detail
    assert isinstance(detail, list), detail
    assert detail, "an empty list of errors says nothing"
    lines = []
    for error in detail:
        assert {"loc", "msg", "type"} <= error.keys(), error
        lines.append(f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}")
    return "\n".join(lines)


async def _published(service: SignupService) -> dict[str, dict[int, int]]:
    bootstrap, prefix = service.shared.kafka_bootstrap, service.shared.topic_prefix
    return {
        topic: await end_offsets(bootstrap, prefix + topic)
        for topic in (PledgeSigned.topic, VolunteerRegistered.topic)
    }


async def _send(client: httpx.AsyncClient, bad: Bad) -> httpx.Response:
    path = _fill(bad.path)
    if bad.chunked:
        assert bad.content is not None
        payload = bad.content

        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, len(payload), 1024):
                yield payload[start : start + 1024]

        return await client.request(bad.method, path, content=chunks(), headers=bad.headers)
    if bad.content is not None:
        return await client.request(bad.method, path, content=bad.content, headers=bad.headers)
    if bad.body is not None:
        return await client.request(bad.method, path, json=_fill(bad.body), headers=bad.headers)
    return await client.request(bad.method, path, headers=bad.headers)


def test_the_table_is_big_enough() -> None:
    assert len(TABLE) >= 25
    distinct = {
        (b.method, b.path, json.dumps(b.body, sort_keys=True), b.content, tuple(b.headers.items()))
        for b in TABLE.values()
    }
    assert len(distinct) == len(TABLE)


@pytest.mark.parametrize("name", list(TABLE))
async def test_bad_request_is_refused_and_publishes_nothing(
    signup: SignupService, name: str
) -> None:
    bad = TABLE[name]
    before = await _published(signup)
    async with httpx.AsyncClient(base_url=signup.url, timeout=15) as client:
        response = await _send(client, bad)

    assert response.status_code == bad.status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert "detail" in body, body
    assert _fill(bad.says) in _detail_text(body["detail"]), body
    assert body.get("field") == bad.names_field, body
    for header, value in bad.response_headers.items():
        assert response.headers.get(header) == value, response.headers
    if bad.chunked:
        assert "content-length" not in response.request.headers
        assert response.request.headers["transfer-encoding"] == "chunked"
    assert await _published(signup) == before, "a refused request published an event"


async def test_the_campaigns_still_take_good_signups(signup: SignupService) -> None:
    """The control: the same service, the same offsets, and a good pledge does move them."""
    before = await _published(signup)
    async with httpx.AsyncClient(base_url=signup.url, timeout=15) as client:
        pledge = await client.post(_fill(PLEDGES), json=PLEDGE)
        volunteer = await client.post(_fill(VOLUNTEERS), json=VOLUNTEER)
    assert pledge.status_code == volunteer.status_code == 202, (pledge.text, volunteer.text)
    after = await _published(signup)
    for topic in (PledgeSigned.topic, VolunteerRegistered.topic):
        assert sum(after[topic].values()) == sum(before[topic].values()) + 1, (topic, after)
