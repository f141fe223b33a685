"""Which client a request comes from: its peer, or what `X-Forwarded-For` says when (and only
when) the peer is a proxy we trust; and the network its rate limits are counted on."""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


# Each request asks these of its client's address (its limits, the network its signup keeps):
# parsing one is a few microseconds of the intake's hot path, and busy clients come back.
_PARSED = 4096


@functools.lru_cache(maxsize=16)
def parse_networks(text: str) -> tuple[Network, ...]:
    """Comma-separated CIDRs (a bare address is its own /32 or /128); ValueError names a bad one."""
    networks: list[Network] = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise ValueError(f"{item!r} is not an address or a CIDR network") from exc
    return tuple(networks)


@functools.lru_cache(maxsize=_PARSED)
def _address(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_address(peer: str | None, forwarded_for: str | None, trusted: Sequence[Network]) -> str:
    """The right-most address not ours: a client can prepend anything to X-Forwarded-For, but
    each trusted proxy appends the address it saw."""
    current = _address(peer or "")
    if current is None:
        return peer or "unknown"

    def is_trusted(address: Address) -> bool:
        return any(address in network for network in trusted)

    hops = [hop for hop in (forwarded_for or "").split(",") if hop.strip()]
    while is_trusted(current) and hops:
        previous = _address(hops.pop())
        if previous is None:
            break  # garbage from beyond the proxy: the proxy is the last thing we know
        current = previous
    return str(current)


@functools.lru_cache(maxsize=_PARSED)
def limited_network(address: str) -> str:
    """What one client's limits are counted on: the address, or its /64 for IPv6 (one home or
    phone gets a whole /64, so counting single addresses would be no limit at all)."""
    parsed = _address(address)
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is None:
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return address


# How much of a client's address a signup keeps, for invalidations by network: a /24 or a /48
# is a neighbourhood, an operator's pool or an organisation, not a person's line.
KEPT_PREFIX = {4: 24, 6: 48}


@functools.lru_cache(maxsize=_PARSED)
def kept_network(address: str) -> str | None:
    """The network a signup keeps of its client's address (None when it is not an address)."""
    parsed = _address(address)
    if parsed is None:
        return None
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        parsed = parsed.ipv4_mapped
    prefix = KEPT_PREFIX[parsed.version]
    return str(ipaddress.ip_network((parsed, prefix), strict=False))
