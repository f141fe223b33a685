"""The SendGrid Event Webhook's signature check and event mapping (mailer.domain.webhook)."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from mailer.domain.errors import BadSignature
from mailer.domain.webhook import (
    FUTURE_SKEW_S,
    WebhookVerifier,
    load_verification_key,
    parse_events,
)
from mobilise_runtime.errors import Rejected

# SendGrid's own test vector, the one its client libraries check against (a real signature).
SENDGRID_KEY = (
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQ"
    "GhHPTnlvFYPAZFceEu/1FwCM/QmGUhA=="
)
SENDGRID_SIGNATURE = (
    "MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6"
    "BpSzoQsbVRamr2nlxFDWYNH2j/0="
)
SENDGRID_TIMESTAMP = "1588788367"
SENDGRID_PAYLOAD = b'{"category":"example_payload","event":"test_event","message_id":"message_id"}'
NOW = 1_767_225_600
DAY = 86_400


def _public(key: ec.EllipticCurvePrivateKey) -> str:
    der = key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


def _sign(key: ec.EllipticCurvePrivateKey, timestamp: str, body: bytes) -> str:
    return base64.b64encode(key.sign(timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))).decode()


@pytest.fixture(scope="module")
def private_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def verifier(private_key: ec.EllipticCurvePrivateKey) -> WebhookVerifier:
    return WebhookVerifier(load_verification_key(_public(private_key)), max_age_s=DAY)


BODY = json.dumps([{"email": "awa@example.org", "event": "bounce", "sg_event_id": "e1"}]).encode()


def test_sendgrids_own_test_vector_verifies() -> None:
    sendgrid = WebhookVerifier(load_verification_key(SENDGRID_KEY), max_age_s=DAY)
    now = int(SENDGRID_TIMESTAMP) + 10
    sendgrid.verify(
        signature=SENDGRID_SIGNATURE, timestamp=SENDGRID_TIMESTAMP, body=SENDGRID_PAYLOAD, now=now
    )
    with pytest.raises(BadSignature, match="does not match"):
        sendgrid.verify(
            signature=SENDGRID_SIGNATURE, timestamp=SENDGRID_TIMESTAMP, body=b"payload", now=now
        )


def test_a_good_signature_verifies(
    verifier: WebhookVerifier, private_key: ec.EllipticCurvePrivateKey
) -> None:
    timestamp = str(NOW - 5)
    verifier.verify(
        signature=_sign(private_key, timestamp, BODY), timestamp=timestamp, body=BODY, now=NOW
    )


def test_a_tampered_body_is_refused(
    verifier: WebhookVerifier, private_key: ec.EllipticCurvePrivateKey
) -> None:
    timestamp = str(NOW)
    signature = _sign(private_key, timestamp, BODY)
    tampered = BODY.replace(b"awa@", b"eve@")
    with pytest.raises(BadSignature, match="does not match"):
        verifier.verify(signature=signature, timestamp=timestamp, body=tampered, now=NOW)


def test_a_signature_over_another_timestamp_is_refused(
    verifier: WebhookVerifier, private_key: ec.EllipticCurvePrivateKey
) -> None:
    signature = _sign(private_key, str(NOW), BODY)
    with pytest.raises(BadSignature, match="does not match"):
        verifier.verify(signature=signature, timestamp=str(NOW - 1), body=BODY, now=NOW)


def test_a_bad_signature_is_refused(verifier: WebhookVerifier) -> None:
    with pytest.raises(BadSignature, match="does not match"):
        verifier.verify(signature=SENDGRID_SIGNATURE, timestamp=str(NOW), body=BODY, now=NOW)


def test_the_wrong_key_is_refused(verifier: WebhookVerifier) -> None:
    other = ec.generate_private_key(ec.SECP256R1())
    timestamp = str(NOW)
    with pytest.raises(BadSignature, match="does not match"):
        verifier.verify(
            signature=_sign(other, timestamp, BODY), timestamp=timestamp, body=BODY, now=NOW
        )


@pytest.mark.parametrize(
    ("timestamp", "message"),
    [
        (str(NOW - DAY - 1), "older than"),
        (str(NOW + FUTURE_SKEW_S + 1), "in the future"),
    ],
)
def test_a_timestamp_outside_the_window_is_refused(
    verifier: WebhookVerifier,
    private_key: ec.EllipticCurvePrivateKey,
    timestamp: str,
    message: str,
) -> None:
    signature = _sign(private_key, timestamp, BODY)  # a real signature: only the time is wrong
    with pytest.raises(BadSignature, match=message):
        verifier.verify(signature=signature, timestamp=timestamp, body=BODY, now=NOW)


def test_the_edges_of_the_window_are_accepted(
    verifier: WebhookVerifier, private_key: ec.EllipticCurvePrivateKey
) -> None:
    for timestamp in (str(NOW - DAY), str(NOW + FUTURE_SKEW_S)):
        signature = _sign(private_key, timestamp, BODY)
        verifier.verify(signature=signature, timestamp=timestamp, body=BODY, now=NOW)


@pytest.mark.parametrize(
    ("signature", "timestamp", "message"),
    [
        (None, str(NOW), "not signed"),
        ("", str(NOW), "not signed"),
        (SENDGRID_SIGNATURE, None, "not signed"),
        (SENDGRID_SIGNATURE, "yesterday", "Unix time"),
        (SENDGRID_SIGNATURE, "-5", "Unix time"),
        (SENDGRID_SIGNATURE, "1" * 40, "Unix time"),
        ("not base64!", str(NOW), "does not match"),
        (base64.b64encode(b"not DER").decode(), str(NOW), "does not match"),
        ("A" * 500, str(NOW), "not a signature"),
    ],
)
def test_malformed_headers_are_refused(
    verifier: WebhookVerifier, signature: str | None, timestamp: str | None, message: str
) -> None:
    with pytest.raises(BadSignature, match=message):
        verifier.verify(signature=signature, timestamp=timestamp, body=BODY, now=NOW)


@pytest.mark.parametrize(
    "key",
    [
        "not base64!",
        base64.b64encode(b"not DER").decode(),
        # A P-384 key: SendGrid's are P-256.
        _public(ec.generate_private_key(ec.SECP384R1())),
    ],
)
def test_a_key_that_is_not_sendgrids_kind_is_refused_at_start(key: str) -> None:
    with pytest.raises(ValueError, match=r"base64 DER|P-256"):
        load_verification_key(key)


def test_a_key_split_over_lines_still_loads() -> None:
    load_verification_key(SENDGRID_KEY[:40] + "\n  " + SENDGRID_KEY[40:])


# Which events suppress whom --------------------------------------------------------------------


def _one(**fields: object) -> bytes:
    return json.dumps([{"email": "Awa@Example.org", "sg_event_id": "id1", **fields}]).encode()


@pytest.mark.parametrize(
    ("kind", "reason"),
    [("bounce", "bounce"), ("dropped", "dropped"), ("spamreport", "spamreport")],
)
def test_bounces_drops_and_spam_reports_suppress_for_every_campaign(kind: str, reason: str) -> None:
    (event,) = parse_events(_one(event=kind, campaign_id="c1"))
    assert event.sg_event_id == "id1"
    assert event.unsubscribed is not None
    assert event.unsubscribed.email == "Awa@Example.org"
    assert event.unsubscribed.reason == reason
    assert event.unsubscribed.source == "webhook"
    assert event.unsubscribed.campaign_id is None


@pytest.mark.parametrize("kind", ["unsubscribe", "group_unsubscribe"])
def test_an_unsubscribe_is_for_the_campaign_the_email_came_from(kind: str) -> None:
    (event,) = parse_events(_one(event=kind, campaign_id="c1"))
    assert event.unsubscribed is not None
    assert event.unsubscribed.reason == "unsubscribe"
    assert event.unsubscribed.campaign_id == "c1"
    (without,) = parse_events(_one(event=kind))
    assert without.unsubscribed is not None
    assert without.unsubscribed.campaign_id is None


@pytest.mark.parametrize("kind", ["delivered", "open", "click", "processed", "deferred"])
def test_other_events_suppress_nobody(kind: str) -> None:
    (event,) = parse_events(_one(event=kind))
    assert event.kind == kind
    assert event.unsubscribed is None


def test_a_blocked_bounce_is_not_a_suppression() -> None:
    (event,) = parse_events(_one(event="bounce", type="blocked"))
    assert event.unsubscribed is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b'{"event": "bounce"}', "not a JSON array"),
        (b"[1]", "event 0 is not an object"),
        (b'[{"email": "a@b.org"}]', "no 'event' type"),
        (b'[{"event": 5}]', "'event' is not a short string"),
        (b'[{"event": "bounce"}]', "no email address"),
        (b'[{"event": "bounce", "email": "nobody"}]', "no email address"),
        (_one(event="open", sg_event_id=["x"]), "'sg_event_id' is not a short string"),
    ],
)
def test_a_batch_that_is_not_sendgrids_is_refused_whole(body: bytes, message: str) -> None:
    with pytest.raises(Rejected, match=message):
        parse_events(body)


@pytest.mark.parametrize(
    "email", ["x@localhost", '"a b"@example.org', "u@[192.0.2.1]", "a..b@example.org"]
)
def test_an_address_no_signup_could_have_suppresses_nobody(email: str) -> None:
    """Published, it stopped signup-projector (its canonical form refuses such addresses); none
    of our mail can have gone to it, so the event is acknowledged and does nothing."""
    (odd, good) = parse_events(
        json.dumps(
            [
                {"email": email, "event": "bounce", "sg_event_id": "odd"},
                {"email": "awa@example.org", "event": "bounce", "sg_event_id": "good"},
            ]
        ).encode()
    )
    assert odd.sg_event_id == "odd"
    assert odd.unsubscribed is None
    assert good.unsubscribed is not None
