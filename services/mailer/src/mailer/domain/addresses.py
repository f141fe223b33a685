"""How the mailer names an address without keeping it: a keyed hash of its canonical form.

Suppressions and erasure tombstones hold only this hash, so an erased person leaves no address
behind while still never being mailed again. The canonical form is the signup service's: the
whole address lower-cased, ASCII domain (two spellings of one mailbox are one person)."""

from __future__ import annotations

import functools
import hashlib
import hmac

from email_validator import EmailNotValidError, validate_email


def signup_could_have(raw: str) -> bool:
    """Whether the signup service would take this address (its check, email-validator's syntax
    rules without DNS): only such an address can be one the mailer wrote to."""
    try:
        validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


@functools.lru_cache(maxsize=65536)
def canonical_email(raw: str) -> str:
    try:
        valid = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError:
        # Events carry addresses the signup service validated; anything else still gets one
        # stable name, so that it can be suppressed.
        return raw.strip().lower()
    return f"{valid.local_part.lower()}@{valid.ascii_domain.lower()}"


class AddressHasher:
    def __init__(self, key: bytes) -> None:
        if not key:
            raise ValueError("an email hash key is required (MAILER_EMAIL_HASH_KEY)")
        self._key = key

    def __call__(self, email: str) -> str:
        return hmac.new(self._key, canonical_email(email).encode(), hashlib.sha256).hexdigest()
