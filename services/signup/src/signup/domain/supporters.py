"""The supporter key: who signed a campaign, without saying who.

HMAC-SHA256 of (campaign, canonical email) under a secret only the signup service holds. The counter
dedupes on it and so holds no personal data; the same person signing twice gets the same key."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from datetime import datetime


def supporter_key(secret: bytes, campaign_id: str, canonical_email: str) -> str:
    message = f"{campaign_id}\x00{canonical_email}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def person_key(secret: bytes, canonical_email: str) -> str:
    """The same HMAC with no campaign: the person across campaigns (erasure tombstones)."""
    return supporter_key(secret, "", canonical_email)


def newsletter_opt_in(
    consents: Iterable[tuple[datetime, bool]], unsubscribed_at: datetime | None
) -> bool:
    """Whether a record's newsletter consent stands: its latest opt-in (a signup's consent, at
    its time) is newer than its latest opt-out (a signup without the newsletter, or an
    unsubscription). Derived from facts that only accumulate, never stored: the facts reach a
    record in any order (signups and unsubscriptions travel on different topics), and replays
    bring them again. At the same time, the opt-out wins."""
    opted_in = [at for at, opt_in in consents if opt_in]
    if not opted_in:
        return False
    opted_out = [at for at, opt_in in consents if not opt_in]
    if unsubscribed_at is not None:
        opted_out.append(unsubscribed_at)
    return not opted_out or max(opted_in) > max(opted_out)
