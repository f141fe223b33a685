"""Which supporter records an organiser's invalidation filter matches (pure rules, no I/O).

Every criterion given must hold (AND). The records are the signup service's own (projected from
its events): an email domain is the canonical address's domain, exactly (not its subdomains); a
network matches a record one of whose signups came from inside it (signups keep a /24 or /48 of
their client's address, so a finer filter cannot be answered and is refused); a partner matches
a record one of whose signups came through it; the time window is [from, until) on the record's
first signup, the one the counter counted."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from signup.domain.clients import KEPT_PREFIX, Network


class BadFilter(ValueError):
    """A filter that cannot be answered (the message says why)."""


def parse_network(text: str) -> Network:
    try:
        network = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError as exc:
        raise BadFilter(f"{text!r} is not a CIDR network") from exc
    kept = KEPT_PREFIX[network.version]
    if network.prefixlen > kept:
        raise BadFilter(
            f"signups keep only the /{kept} of an IPv{network.version} client: "
            f"ask for /{kept} or a wider network"
        )
    return network


@dataclass(frozen=True)
class Filter:
    email_domain: str | None = None
    network: Network | None = None
    partner: str | None = None
    signed_from: datetime | None = None
    signed_until: datetime | None = None

    def __post_init__(self) -> None:
        if not any(v is not None for v in vars(self).values()):
            raise BadFilter("name at least one criterion: a filter matching everyone is no filter")
        if self.signed_from and self.signed_until and self.signed_from >= self.signed_until:
            raise BadFilter("signed_from must be before signed_until")

    def matches(self, record: Mapping[str, Any]) -> bool:
        if self.email_domain is not None:
            domain = str(record.get("email_canonical", "")).rpartition("@")[2]
            if domain != self.email_domain:
                return False
        if self.network is not None and not any(
            _inside(n, self.network) for n in record.get("client_networks", [])
        ):
            return False
        if self.partner is not None:
            partners = {c.get("partner") for c in record.get("consents", [])}
            if self.partner not in partners | {record.get("partner")}:
                return False
        signed_at = record.get("signed_at")
        if self.signed_from is not None or self.signed_until is not None:
            if not isinstance(signed_at, datetime):
                return False
            signed_at = signed_at if signed_at.tzinfo else signed_at.replace(tzinfo=UTC)
            if self.signed_from is not None and signed_at < self.signed_from:
                return False
            if self.signed_until is not None and signed_at >= self.signed_until:
                return False
        return True


def _inside(kept: str, network: Network) -> bool:
    try:
        mine = ipaddress.ip_network(kept, strict=False)
    except ValueError:
        return False
    return mine.version == network.version and mine.subnet_of(network)  # type: ignore[arg-type]
