"""Email syntax and the two forms we keep: the address to write to, and the canonical form that
decides whether two signups are the same person (dedupe)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email


class InvalidEmail(ValueError):
    pass


@dataclass(frozen=True)
class Email:
    address: str  # normalised as email-validator does it: domain lower-cased, IDNA, NFC
    canonical: str  # the whole address lower-cased, ASCII domain: the dedupe identity

    def __str__(self) -> str:
        return self.address


# Validation and then the intake both parse the same address (the intake gets it normalised,
# which for most addresses is the very string typed): parse each once.
@functools.lru_cache(maxsize=4096)
def parse_email(raw: str) -> Email:
    try:
        valid = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidEmail(str(exc)) from exc
    # Mailbox names are case-sensitive in theory and never in practice: "Awa@" and "awa@" sign once.
    canonical = f"{valid.local_part.lower()}@{valid.ascii_domain.lower()}"
    return Email(address=valid.normalized, canonical=canonical)


def canonical_email(raw: str) -> str:
    return parse_email(raw).canonical
