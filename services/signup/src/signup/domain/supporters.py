"""The supporter key: who signed a campaign, without saying who.

HMAC-SHA256 of (campaign, canonical email) under a secret only the signup service holds. The counter
dedupes on it and so holds no personal data; the same person signing twice gets the same key."""

from __future__ import annotations

import hashlib
import hmac


def supporter_key(secret: bytes, campaign_id: str, canonical_email: str) -> str:
    message = f"{campaign_id}\x00{canonical_email}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def person_key(secret: bytes, canonical_email: str) -> str:
    """The same HMAC with no campaign: the person across campaigns (erasure tombstones)."""
    return supporter_key(secret, "", canonical_email)
