"""SendGrid's signed Event Webhook: is a request SendGrid's, and which of its events suppress an
address. Pure: no network, no database.

SendGrid signs each POST with ECDSA (P-256, SHA-256) over the timestamp header's bytes followed by
the raw body; the signature header is its base64 DER encoding, and the verification key SendGrid
shows (Mail Settings → Signed Event Webhook) is a base64 DER SubjectPublicKeyInfo."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key

from mailer.domain.addresses import signup_could_have
from mailer.domain.errors import BadSignature
from mobilise_events import SupporterUnsubscribed
from mobilise_runtime.errors import Rejected

SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"
# Clocks differ a little: a timestamp this far ahead of ours is still SendGrid's.
FUTURE_SKEW_S = 300
# A DER P-256 signature is at most 72 bytes (96 in base64); anything much longer is not one.
_MAX_SIGNATURE_CHARS = 200
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_MAX_FIELD_CHARS = 320

Reason = Literal["unsubscribe", "bounce", "dropped", "spamreport"]
# The events that put an address on the suppression list, and why. Bounces, drops and spam
# reports are about the address itself: they suppress it for every campaign.
REASONS: dict[str, Reason] = {
    "bounce": "bounce",
    "dropped": "dropped",
    "spamreport": "spamreport",
    "unsubscribe": "unsubscribe",
    "group_unsubscribe": "unsubscribe",
}
GLOBAL_REASONS: frozenset[Reason] = frozenset({"bounce", "dropped", "spamreport"})


def load_verification_key(encoded: str) -> ec.EllipticCurvePublicKey:
    """The key as SendGrid shows it; ValueError if it is not a base64 DER P-256 public key."""
    try:
        key = load_der_public_key(base64.b64decode("".join(encoded.split()), validate=True))
    except (ValueError, binascii.Error) as exc:
        raise ValueError("not a base64 DER public key (SendGrid's verification key)") from exc
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ValueError("SendGrid's verification key is an ECDSA P-256 key; this one is not")
    return key


@dataclass(frozen=True)
class WebhookVerifier:
    key: ec.EllipticCurvePublicKey
    # How old a signed request may be. Replays inside the window are caught by sg_event_id.
    max_age_s: int

    def verify(
        self, *, signature: str | None, timestamp: str | None, body: bytes, now: float
    ) -> None:
        """Returns if SendGrid signed `body` at `timestamp` within the window, else BadSignature."""
        if not signature or not timestamp:
            raise BadSignature(
                f"the request is not signed: {SIGNATURE_HEADER} and {TIMESTAMP_HEADER} are required"
            )
        if not _TIMESTAMP.fullmatch(timestamp):
            raise BadSignature(f"{TIMESTAMP_HEADER} is not a Unix time in seconds")
        age = now - int(timestamp)
        if age > self.max_age_s:
            raise BadSignature(f"the signature is older than {self.max_age_s} s")
        if age < -FUTURE_SKEW_S:
            raise BadSignature("the signature's timestamp is in the future")
        if len(signature) > _MAX_SIGNATURE_CHARS:
            raise BadSignature(f"{SIGNATURE_HEADER} is not a signature")
        try:
            der = base64.b64decode(signature, validate=True)
            self.key.verify(der, timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
        except (binascii.Error, ValueError, InvalidSignature) as exc:
            raise BadSignature("the signature does not match the request") from exc


@dataclass(frozen=True)
class DeliveryEvent:
    """One event of a webhook batch, reduced to what the mailer acts on."""

    sg_event_id: str | None
    kind: str
    # The suppression it asks for, if any.
    unsubscribed: SupporterUnsubscribed | None


def parse_events(body: bytes) -> list[DeliveryEvent]:
    """The batch SendGrid posts (a JSON array of event objects); Rejected if it is not one.

    A malformed batch is refused whole, before anything is done, so a refusal changes nothing."""
    try:
        items = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Rejected("the body is not JSON: SendGrid posts an array of events") from exc
    if not isinstance(items, list):
        raise Rejected("the body is not a JSON array of events")
    return [_event(n, item) for n, item in enumerate(items)]


def _event(n: int, item: object) -> DeliveryEvent:
    if not isinstance(item, dict):
        raise Rejected(f"event {n} is not an object")
    kind = _text(n, item, "event")
    if kind is None:
        raise Rejected(f"event {n} has no 'event' type")
    event_id = _text(n, item, "sg_event_id")
    reason = REASONS.get(kind)
    # A "blocked" bounce is the receiving server refusing for now (SendGrid's own bounce list
    # holds only the hard ones): the address stays mailable.
    if reason is None or (kind == "bounce" and item.get("type") == "blocked"):
        return DeliveryEvent(event_id, kind, None)
    email = _text(n, item, "email")
    if email is None or "@" not in email:
        raise Rejected(f"event {n} ({kind}) has no email address")
    if not signup_could_have(email):
        # No signup had this address (`x@localhost`, a quoted local part…), so none of our
        # mail went to it: nothing to suppress. Refusing the batch would make SendGrid retry the
        # other events for days; publishing it would give consumers an address they refuse.
        return DeliveryEvent(event_id, kind, None)
    # custom_args come back as top-level keys of each event: the mailer sends campaign_id.
    campaign_id = None if reason in GLOBAL_REASONS else _text(n, item, "campaign_id")
    unsubscribed = SupporterUnsubscribed(
        email=email, campaign_id=campaign_id, source="webhook", reason=reason
    )
    return DeliveryEvent(event_id, kind, unsubscribed)


def _text(n: int, item: dict[str, object], name: str) -> str | None:
    value = item.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not 0 < len(value.strip()) <= _MAX_FIELD_CHARS:
        raise Rejected(f"event {n}: '{name}' is not a short string")
    return value.strip()
