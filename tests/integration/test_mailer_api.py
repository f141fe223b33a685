"""The mailer API as a real `mailer-api` process, with a real `signup-api` (organiser tokens,
campaigns), real Kafka and FerretDB, and devstack's SendGrid stand-in: mailings, the signed SendGrid
webhook and the dev outbox. Every refusal is checked to have published and stored nothing."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from devstack.config import StackConfig
from devstack.harness.isolation import isolated
from devstack.harness.mailer import standin as sendgrid_standin
from devstack.harness.processes import free_port
from devstack.harness.signup import ADMIN_TOKEN, SignupService, signup_api
from mailer.adapters.sendgrid import SendGridClient
from mailer.presentation.messages import Recipient, Sender, confirmation
from mailer.schemas.api import MAILING_EXAMPLE, MailingAccepted
from mobilise_events import Event, LocalisedText, MailingRequested, SupporterUnsubscribed
from mobilise_runtime.mongo import ServiceDatabase
from mobilise_runtime.settings import SharedSettings
from signup.repository.organisers import OrganiserRepository
from tests.kafka_reader import end_offsets, read_events
from tests.mailer_api_service import MailerService, mailer_api

E = TypeVar("E", bound=Event)
SIGNATURE = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP = "X-Twilio-Email-Event-Webhook-Timestamp"
MAX_BODY_BYTES = 65_536
MAILING: dict[str, Any] = {
    "subject": {"fr": "Où en sommes-nous ?", "en": "Where we stand"},
    "body_template": {
        "fr": "Bonjour {{ first_name }},\n\nNous sommes 12 000.",
        "en": "Hello {{ first_name }},\n\nWe are 12,000.",
    },
    "audience": {"countries": ["fr", "SN"], "confirmed_only": True, "locale": "fr"},
}


@dataclass
class World:
    shared: SharedSettings
    signup: SignupService
    mailer: MailerService
    standin: str
    mailer_db: ServiceDatabase
    organiser_id: str
    organiser_token: str
    key: ec.EllipticCurvePrivateKey
    campaign: dict[str, Any]

    def topic(self, name: str) -> str:
        return self.shared.topic(name)

    async def published(self, name: str) -> int:
        """How many records the topic holds (a publish is acked before the API answers)."""
        return sum((await end_offsets(self.shared.kafka_bootstrap, self.topic(name))).values())

    async def read(self, kind: type[E]) -> list[E]:
        """Every event of `kind`'s topic so far."""
        events = await read_events(
            self.shared.kafka_bootstrap,
            self.topic(kind.topic),
            self.shared.topic_prefix,
            count=await self.published(kind.topic),
        )
        return [e for e in events if isinstance(e, kind)]

    async def stored(self, collection: str) -> int:
        return await self.mailer_db.db[collection].count_documents({})


def _public_key(key: ec.EllipticCurvePrivateKey) -> str:
    der = key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


def _signed(
    key: ec.EllipticCurvePrivateKey, body: bytes, *, at: int | None = None
) -> dict[str, str]:
    timestamp = str(int(time.time()) if at is None else at)
    signature = key.sign(timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    return {
        SIGNATURE: base64.b64encode(signature).decode(),
        TIMESTAMP: timestamp,
        "Content-Type": "application/json",
    }


@pytest.fixture(scope="module")
async def world(
    stack: StackConfig, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    """One signup-api, stand-in and mailer-api for the module, on topics and databases of its own
    (each test counts what it adds)."""
    key = ec.generate_private_key(ec.SECP256R1())
    async with isolated(stack) as own:
        with ExitStack() as stack_of:
            signup = stack_of.enter_context(signup_api(own.shared, own.signup_db.db.name))
            standin = stack_of.enter_context(sendgrid_standin(tmp_path_factory.mktemp("standin")))
            mailer = stack_of.enter_context(
                mailer_api(
                    own.shared,
                    MAILER_MONGO_DATABASE=own.mailer_db.db.name,
                    MAILER_SIGNUP_API_URL=signup.url,
                    MAILER_SENDGRID_HOST=standin,
                    MAILER_SENDGRID_WEBHOOK_PUBLIC_KEY=_public_key(key),
                    MAILER_DEV_OUTBOX="true",
                    # Small enough that a refused body is all sent before the 413 comes back.
                    MAILER_MAX_BODY_BYTES=str(MAX_BODY_BYTES),
                )
            )
            campaign = signup.create_campaign()
            organiser, token = await OrganiserRepository(own.signup_db.db).create(
                name="Awa Diallo",
                email=f"awa-{own.unique}@association.example",
                now=datetime.now(UTC),
                campaign_ids=(campaign["id"],),
            )
            yield World(
                shared=own.shared,
                signup=signup,
                mailer=mailer,
                standin=standin,
                mailer_db=own.mailer_db,
                organiser_id=organiser.id,
                organiser_token=token,
                key=key,
                campaign=campaign,
            )


# Organisers, as the signup service tells who a token belongs to ---------------------------------


async def test_signup_says_whose_token_it_is(world: World) -> None:
    async with httpx.AsyncClient(base_url=world.signup.url, timeout=15) as c:
        nobody = await c.get("/api/v1/organisers/me")
        wrong = await c.get("/api/v1/organisers/me", headers={"Authorization": "Bearer nope"})
        mine = await c.get(
            "/api/v1/organisers/me",
            headers={"Authorization": f"Bearer {world.organiser_token}"},
        )
        admin = await c.get(
            "/api/v1/organisers/me", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
        )
    for refused in (nobody, wrong):
        assert refused.status_code == 401, refused.text
        assert refused.json()["detail"]
        assert refused.headers["WWW-Authenticate"] == "Bearer"
    assert mine.status_code == 200, mine.text
    assert mine.json()["id"] == world.organiser_id
    assert mine.json()["name"] == "Awa Diallo"
    assert admin.status_code == 200, admin.text
    assert admin.json()["id"] == "admin"


async def _give(world: World, campaign: dict[str, Any]) -> None:
    """Make `campaign` one of the organiser's too (an admin made it)."""
    async with httpx.AsyncClient(base_url=world.signup.url, timeout=15) as c:
        me = await c.get(
            "/api/v1/organisers/me", headers={"Authorization": f"Bearer {world.organiser_token}"}
        )
        given = await c.patch(
            f"/api/v1/organisers/{world.organiser_id}",
            json={"campaigns": [*me.json()["campaigns"], campaign["slug"]]},
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        )
    assert given.status_code == 200, given.text


# POST /api/v1/mailings ---------------------------------------------------------------------------


def _mailing(world: World, **changes: Any) -> dict[str, Any]:
    return {"campaign": world.campaign["slug"], **MAILING, **changes}


async def _mailed(world: World, mailing_id: str) -> MailingRequested:
    events = await world.read(MailingRequested)
    (found,) = [e for e in events if str(e.mailing_id) == mailing_id]
    return found


async def test_an_organisers_mailing_is_accepted_once_on_kafka(world: World) -> None:
    async with world.mailer.client(world.organiser_token) as c:
        response = await c.post("/api/v1/mailings", json=_mailing(world))
    assert response.status_code == 202, response.text
    mailing_id = response.json()["mailing_id"]
    event = await _mailed(world, mailing_id)
    assert event.campaign_id == world.campaign["id"]
    assert event.subject == LocalisedText(**MAILING["subject"])
    assert event.body_template == LocalisedText(**MAILING["body_template"])
    assert event.audience.countries == ("FR", "SN")
    assert event.audience.confirmed_only is True
    assert event.audience.locale == "fr"
    assert event.requested_at is not None
    request = await world.mailer_db.db["mailing_requests"].find_one({"_id": mailing_id})
    assert request is not None
    assert request["campaign_id"] == world.campaign["id"]
    assert request["requested_by"] == world.organiser_id
    # Keyed by campaign: on the partition of the campaign's signups.
    consumer = AIOKafkaConsumer(
        world.topic(MailingRequested.topic),
        bootstrap_servers=world.shared.kafka_bootstrap,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        records = [r for rs in (await consumer.getmany(timeout_ms=5000)).values() for r in rs]
    finally:
        await consumer.stop()
    keys = {json.loads(r.value or b"{}")["mailing_id"]: r.key for r in records}
    assert keys[mailing_id] == world.campaign["id"].encode()


async def test_the_admin_token_may_request_a_mailing(world: World) -> None:
    async with world.mailer.client(ADMIN_TOKEN) as c:
        response = await c.post(
            "/api/v1/mailings", json=_mailing(world, audience={"confirmed_only": False})
        )
    assert response.status_code == 202, response.text
    event = await _mailed(world, response.json()["mailing_id"])
    assert event.audience.countries is None
    assert event.audience.locale is None
    request = await world.mailer_db.db["mailing_requests"].find_one(
        {"_id": response.json()["mailing_id"]}
    )
    assert request is not None
    assert request["requested_by"] == "admin"


def _bad_bodies() -> list[tuple[str, Any, int]]:
    good: dict[str, Any] = {"campaign": "<slug>", **MAILING}
    long_subject = {"fr": "x" * 201, "en": "ok"}
    return [
        ("not JSON", "{", 422),
        ("a list", [good], 422),
        ("an unknown field", {**good, "send_at": "tomorrow"}, 422),
        ("an unknown audience field", {**good, "audience": {"confirmed_only": True, "x": 1}}, 422),
        ("no subject", {k: v for k, v in good.items() if k != "subject"}, 422),
        ("an empty subject", {**good, "subject": {"fr": " ", "en": "ok"}}, 422),
        ("a subject too long", {**good, "subject": long_subject}, 422),
        # Any language may be left out but the campaign's fallback (French here).
        ("no text in the fallback language", {**good, "body_template": {"en": "Hello"}}, 422),
        ("no subject in the fallback language", {**good, "subject": {"ar": "أخبار"}}, 422),
        ("a language mobilise does not speak", {**good, "subject": {"fr": "a", "de": "b"}}, 422),
        ("a body too long", {**good, "body_template": {"fr": "x" * 20_001, "en": "ok"}}, 422),
        (
            "a template that does not parse",
            {**good, "body_template": {"fr": "Bonjour {{ first_name", "en": "ok"}},
            422,
        ),
        (
            "a template using more than first_name",
            {**good, "body_template": {"fr": "{{ ''.__class__ }}", "en": "ok"}},
            422,
        ),
        (
            "a country that is not ISO",
            {**good, "audience": {"countries": ["XX"], "confirmed_only": True}},
            422,
        ),
        (
            "a country of three letters",
            {**good, "audience": {"countries": ["FRA"], "confirmed_only": True}},
            422,
        ),
        (
            "an empty country list",
            {**good, "audience": {"countries": [], "confirmed_only": True}},
            422,
        ),
        ("another locale", {**good, "audience": {"confirmed_only": True, "locale": "de"}}, 422),
        ("no confirmed_only", {**good, "audience": {"locale": "fr"}}, 422),
        ("an unknown campaign", {**good, "campaign": "no-such-campaign"}, 404),
        ("a campaign that is not a slug", {**good, "campaign": "../admin"}, 404),
        ("a body beyond the limit", {**good, "padding": "x" * MAX_BODY_BYTES}, 413),
    ]


async def test_bad_bodies_are_refused_and_change_nothing(world: World) -> None:
    before = (await world.published(MailingRequested.topic), await world.stored("mailing_requests"))
    async with world.mailer.client(world.organiser_token) as c:
        for name, body, status in _bad_bodies():
            if isinstance(body, dict) and body.get("campaign") == "<slug>":
                body = {**body, "campaign": world.campaign["slug"]}
            content = body if isinstance(body, str) else json.dumps(body)
            response = await c.post(
                "/api/v1/mailings", content=content, headers={"Content-Type": "application/json"}
            )
            assert response.status_code == status, (name, response.text)
            assert response.json()["detail"], name
    template = await _refusal(world, {"fr": "Bonjour {{ first_name", "en": "ok"})
    assert "the body template does not compile: line 1" in template
    after = (await world.published(MailingRequested.topic), await world.stored("mailing_requests"))
    assert after == before


async def _refusal(world: World, body_template: dict[str, str]) -> str:
    async with world.mailer.client(world.organiser_token) as c:
        response = await c.post(
            "/api/v1/mailings", json=_mailing(world, body_template=body_template)
        )
    assert response.status_code == 422, response.text
    return json.dumps(response.json()["detail"])


async def test_no_or_a_wrong_token_is_401_and_changes_nothing(world: World) -> None:
    before = (await world.published(MailingRequested.topic), await world.stored("mailing_requests"))
    for token in (None, "not-a-token", world.organiser_token + "x"):
        async with world.mailer.client(token) as c:
            response = await c.post("/api/v1/mailings", json=_mailing(world))
            # Refused before the body's fields are looked at.
            garbage = await c.post("/api/v1/mailings", json={"x": 1})
        for refused in (response, garbage):
            assert refused.status_code == 401, refused.text
            assert refused.json()["detail"]
            assert refused.headers["WWW-Authenticate"] == "Bearer"
    after = (await world.published(MailingRequested.topic), await world.stored("mailing_requests"))
    assert after == before
    # The token never shows in the logs.
    assert world.organiser_token not in world.mailer.process.output()


# POST /webhooks/sendgrid -------------------------------------------------------------------------


def _batch(unique: str) -> list[dict[str, Any]]:
    at = int(time.time())
    return [
        {
            "email": f"bounced-{unique}@example.org",
            "event": "bounce",
            "type": "bounce",
            "sg_event_id": f"bounce-{unique}",
            "timestamp": at,
            "campaign_id": "c-1",
        },
        {
            "email": f"leaving-{unique}@example.org",
            "event": "group_unsubscribe",
            "sg_event_id": f"unsub-{unique}",
            "timestamp": at,
            "campaign_id": "c-1",
        },
        {
            "email": f"happy-{unique}@example.org",
            "event": "delivered",
            "sg_event_id": f"delivered-{unique}",
            "timestamp": at,
        },
    ]


async def test_signed_events_suppress_once_even_when_posted_twice(world: World) -> None:
    unique = uuid.uuid4().hex[:8]
    body = json.dumps(_batch(unique)).encode()
    async with world.mailer.client() as c:
        first = await c.post("/webhooks/sendgrid", content=body, headers=_signed(world.key, body))
        # SendGrid posts a batch again when it saw no 2xx: signed anew, same events.
        again = await c.post("/webhooks/sendgrid", content=body, headers=_signed(world.key, body))
    assert first.status_code == 200, first.text
    assert first.json() == {"events": 3, "new": 3, "unsubscribed": 2}
    assert again.status_code == 200, again.text
    assert again.json() == {"events": 3, "new": 0, "unsubscribed": 0}
    mine = [e for e in await world.read(SupporterUnsubscribed) if unique in e.email]
    assert sorted((e.email.split("-")[0], e.reason, e.campaign_id) for e in mine) == [
        ("bounced", "bounce", None),  # an address that bounces bounces for every campaign
        ("leaving", "unsubscribe", "c-1"),
    ]
    assert {e.source for e in mine} == {"webhook"}
    handled = world.mailer_db.db["webhook_events"]
    assert await handled.count_documents({"_id": {"$regex": unique}}) == 3
    doc = await handled.find_one({"_id": f"bounce-{unique}"})
    assert doc is not None
    assert "email" not in doc  # personal data stays on Kafka and with the consumer


async def test_a_bad_signature_is_403_and_changes_nothing(world: World) -> None:
    unique = uuid.uuid4().hex[:8]
    body = json.dumps(_batch(unique)).encode()
    other = ec.generate_private_key(ec.SECP256R1())
    signed = _signed(world.key, body)
    refusals = {
        "no headers": {"Content-Type": "application/json"},
        "another key": _signed(other, body),
        "a tampered body": _signed(world.key, body.replace(b"bounced", b"someone")),
        "an old signature": _signed(world.key, body, at=int(time.time()) - 4 * 86_400),
        "a future one": _signed(world.key, body, at=int(time.time()) + 3600),
        "a garbled signature": {**signed, SIGNATURE: "Zm9v" + signed[SIGNATURE][4:]},
        "a timestamp that is no number": {**signed, TIMESTAMP: "now"},
    }
    before = (
        await world.published(SupporterUnsubscribed.topic),
        await world.stored("webhook_events"),
    )
    async with world.mailer.client() as c:
        for name, headers in refusals.items():
            response = await c.post("/webhooks/sendgrid", content=body, headers=headers)
            assert response.status_code == 403, (name, response.text)
            assert response.json()["detail"], name
    after = (
        await world.published(SupporterUnsubscribed.topic),
        await world.stored("webhook_events"),
    )
    assert after == before


async def test_a_signed_batch_that_is_not_sendgrids_is_422_and_changes_nothing(
    world: World,
) -> None:
    unique = uuid.uuid4().hex[:8]
    # A good event first: a batch is refused whole, so not even it has an effect.
    events = [*_batch(unique)[:1], {"event": "bounce", "sg_event_id": f"x-{unique}"}]
    before = (
        await world.published(SupporterUnsubscribed.topic),
        await world.stored("webhook_events"),
    )
    async with world.mailer.client() as c:
        for body in (json.dumps(events).encode(), b'{"event": "bounce"}', b"not json"):
            response = await c.post(
                "/webhooks/sendgrid", content=body, headers=_signed(world.key, body)
            )
            assert response.status_code == 422, response.text
            assert response.json()["detail"]
    after = (
        await world.published(SupporterUnsubscribed.topic),
        await world.stored("webhook_events"),
    )
    assert after == before


# GET /outbox (dev) -------------------------------------------------------------------------------


async def test_the_outbox_shows_what_the_standin_received_newest_first(world: World) -> None:
    sender = Sender("campagnes@mobilise.example", "mobilise", "http://127.0.0.1:8000")
    title = LocalisedText(fr="Femmes du numérique", en="Women in digital")
    client = SendGridClient("dev", world.standin)
    for n, name in enumerate(("Awa", "<script>alert(1)</script>")):
        recipient = Recipient(
            email=f"p{n}@example.org",
            first_name=name,
            locale="fr",
            supporter_key=f"key{n}",
            unsubscribe_token=f"unsub{n}",
            confirm_token=f"conf{n}",
        )
        client.send(confirmation(sender=sender, campaign_title=title, recipient=recipient))
    async with world.mailer.client() as c:
        listed = await c.get("/outbox", params={"format": "json", "limit": 2})
        page = await c.get("/outbox")
    assert listed.status_code == 200, listed.text
    newest, older = listed.json()
    assert newest["to"] == ["p1@example.org"]
    assert older["to"] == ["p0@example.org"]
    assert "Awa" in older["text"]
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    html = page.text
    assert html.index("p1@example.org") < html.index("p0@example.org")
    assert older["subject"] in html
    assert "campagnes@mobilise.example" in html
    assert "http://127.0.0.1:8000/confirm/conf0" in html  # the text part
    assert '<iframe sandbox title="' in html
    # The emails' HTML only inside srcdoc, escaped: the name a supporter typed runs nowhere.
    assert "<script>" not in html
    assert 'srcdoc="&lt;' in html


# A mailer whose dependencies are missing -------------------------------------------------------


async def test_missing_kafka_topics_key_and_outbox_flag_are_503_503_404(
    world: World, tmp_path: Path
) -> None:
    """Kafka that does not take the event (here: topics that do not exist) is a 503 with
    Retry-After, never a 202; a webhook without a verification key takes nothing; the outbox
    exists only where the dev flag is set."""
    missing = world.shared.model_copy(update={"topic_prefix": f"missing{uuid.uuid4().hex[:8]}."})
    with mailer_api(
        missing,
        MAILER_MONGO_DATABASE=world.mailer_db.db.name,
        MAILER_SIGNUP_API_URL=world.signup.url,
        MAILER_SENDGRID_HOST=world.standin,
        MAILER_PUBLISH_TIMEOUT_S="1",
    ) as mailer:
        async with mailer.client(world.organiser_token) as c:
            mailing = await c.post("/api/v1/mailings", json=_mailing(world))
            body = json.dumps(_batch("nokey")).encode()
            webhook = await c.post(
                "/webhooks/sendgrid", content=body, headers=_signed(world.key, body)
            )
            outbox = await c.get("/outbox")
    assert mailing.status_code == 503, mailing.text
    assert int(mailing.headers["Retry-After"]) > 0
    assert "nothing was accepted" in mailing.json()["detail"]
    assert webhook.status_code == 503, webhook.text
    assert "MAILER_SENDGRID_WEBHOOK_PUBLIC_KEY" in webhook.json()["detail"]
    assert outbox.status_code == 404, outbox.text
    assert outbox.json()["detail"]


async def test_a_signup_service_that_does_not_answer_is_503_not_401(world: World) -> None:
    with mailer_api(
        world.shared,
        MAILER_MONGO_DATABASE=world.mailer_db.db.name,
        MAILER_SIGNUP_API_URL=f"http://127.0.0.1:{free_port()}",
    ) as mailer:
        async with mailer.client(world.organiser_token) as c:
            response = await c.post("/api/v1/mailings", json=_mailing(world))
    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) > 0
    assert "signup service" in response.json()["detail"]


async def test_the_documented_example_is_accepted(world: World) -> None:
    example = {**MAILING_EXAMPLE, "campaign": world.campaign["slug"]}
    async with world.mailer.client(world.organiser_token) as c:
        response = await c.post("/api/v1/mailings", json=example)
    assert response.status_code == 202, response.text
    MailingAccepted.model_validate(response.json())


async def test_a_request_sent_again_with_its_idempotency_key_is_the_same_mailing(
    world: World,
) -> None:
    key = {"Idempotency-Key": f"newsletter-{uuid.uuid4().hex}"}
    async with world.mailer.client(world.organiser_token) as c:
        first = await c.post("/api/v1/mailings", json=_mailing(world), headers=key)
        again = await c.post("/api/v1/mailings", json=_mailing(world), headers=key)
        before = await world.published(MailingRequested.topic)
        other = await c.post(
            "/api/v1/mailings",
            json=_mailing(world, subject={"fr": "Autre chose", "en": "Something else"}),
            headers=key,
        )
        after = await world.published(MailingRequested.topic)
    async with world.mailer.client(ADMIN_TOKEN) as c:
        admins = await c.post("/api/v1/mailings", json=_mailing(world), headers=key)
    assert first.status_code == again.status_code == 202, (first.text, again.text)
    mailing_id = first.json()["mailing_id"]
    assert again.json()["mailing_id"] == mailing_id
    # Published twice (the first may have been lost), as the very same request.
    events = [e for e in await world.read(MailingRequested) if str(e.mailing_id) == mailing_id]
    assert len(events) == 2
    assert events[0].model_dump(exclude={"event_id", "occurred_at"}) == events[1].model_dump(
        exclude={"event_id", "occurred_at"}
    )
    assert await world.mailer_db.db["mailing_requests"].count_documents({"_id": mailing_id}) == 1
    assert other.status_code == 409, other.text
    assert "Idempotency-Key" in other.json()["detail"]
    assert after == before
    # Keys are each organiser's own.
    assert admins.status_code == 202, admins.text
    assert admins.json()["mailing_id"] != mailing_id


async def test_an_audience_outside_the_campaigns_countries_is_refused(world: World) -> None:
    campaign = world.signup.create_campaign(countries=["FR", "SN"])
    await _give(world, campaign)
    before = (await world.published(MailingRequested.topic), await world.stored("mailing_requests"))
    async with world.mailer.client(world.organiser_token) as c:
        outside = await c.post(
            "/api/v1/mailings",
            json={
                **MAILING,
                "campaign": campaign["slug"],
                "audience": {"countries": ["SN", "CI"], "confirmed_only": False},
            },
        )
        bad_keys = [
            await c.post("/api/v1/mailings", json=_mailing(world), headers={"Idempotency-Key": k})
            for k in ("with space", "x" * 129)
        ]
    assert outside.status_code == 422, outside.text
    assert "does not cover CI" in outside.json()["detail"]
    for refused in bad_keys:
        assert refused.status_code == 422, refused.text
    after = (await world.published(MailingRequested.topic), await world.stored("mailing_requests"))
    assert after == before
    async with world.mailer.client(world.organiser_token) as c:
        inside = await c.post(
            "/api/v1/mailings",
            json={
                **MAILING,
                "campaign": campaign["slug"],
                "audience": {"countries": ["SN"], "confirmed_only": False},
            },
        )
    assert inside.status_code == 202, inside.text
