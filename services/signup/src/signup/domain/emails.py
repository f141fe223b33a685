"""Email syntax and the two forms we keep: the address to write to, and the canonical form that
decides whether two signups are the same person (dedupe)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import email_validator
from email_validator import EmailNotValidError, validate_email


class InvalidEmail(ValueError):
    pass


@dataclass(frozen=True)
class Email:
    address: str  # normalised as email-validator does it: domain lower-cased, IDNA, NFC
    canonical: str  # the whole address lower-cased, ASCII domain: the dedupe identity

    def __str__(self) -> str:
        return self.address


# The addresses nearly everyone has: a dot-atom of letters, digits and `_+-` at a domain of
# letters, digits and inner hyphens, under an alphabetic top-level domain. For these the answer of
# email-validator is known without asking it (its ~20 us are the most of a signup's validation):
# the address as typed with its domain lower-cased. Anything else, it is asked. A property test
# holds the two to the same answers (tests/unit/test_signup_emails.py).
_PLAIN = re.compile(
    r"(?P<local>[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*)"
    r"@(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})"
)
# email-validator's limits (RFC 5321): the mailbox, the whole address, the domain.
_LOCAL_MAX, _ADDRESS_MAX, _DOMAIN_MAX = 64, 254, 253


def _plain(raw: str) -> Email | None:
    match = _PLAIN.fullmatch(raw)
    if match is None:
        return None
    local, domain = match["local"], match["domain"].lower()
    if len(local) > _LOCAL_MAX or len(raw) > _ADDRESS_MAX or len(domain) > _DOMAIN_MAX:
        return None
    # Punycode and IDNA's reserved "ab--" labels, and special-use names (.test, .local, …): the
    # rules of these are email-validator's.
    if "--" in domain or any(
        domain == name or domain.endswith("." + name)
        for name in email_validator.SPECIAL_USE_DOMAIN_NAMES
    ):
        return None
    address = f"{local}@{domain}"
    return Email(address=address, canonical=address.lower())


# Validation and then the intake both parse the same address (the intake gets it normalised,
# which for most addresses is the very string typed): parse each once.
@functools.lru_cache(maxsize=4096)
def parse_email(raw: str) -> Email:
    raw = raw.strip()
    plain = _plain(raw)
    if plain is not None:
        return plain
    try:
        valid = validate_email(raw, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidEmail(str(exc)) from exc
    # Mailbox names are case-sensitive in theory and never in practice: "Awa@" and "awa@" sign once.
    canonical = f"{valid.local_part.lower()}@{valid.ascii_domain.lower()}"
    return Email(address=valid.normalized, canonical=canonical)


def canonical_email(raw: str) -> str:
    return parse_email(raw).canonical
