"""Signup rate limits: token buckets per client network, per supporter and per partner, each
with a soft threshold (a proof of work is asked past it) and a hard one (429 past it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Bucket:
    """`hard` signups in a burst, refilled at `per_hour`; past `soft` of them (None: never) the
    browser must prove a little work first. A full bucket is `hard` tokens."""

    hard: int
    per_hour: int
    soft: int | None = None

    @property
    def rate_per_ms(self) -> float:
        return self.per_hour / 3_600_000

    @property
    def proof_floor(self) -> float:
        """Below this many tokens left, a signup needs a proof of work (-1: never)."""
        return -1 if self.soft is None else self.hard - self.soft


# Generous on purpose: a carrier-grade NAT puts a whole town behind one address, and a training
# session signs thirty women from one Wi-Fi; past `soft` they still sign, after a short check.
DEFAULT_ADDRESS = Bucket(soft=30, hard=600, per_hour=600)
DEFAULT_SUPPORTER = Bucket(hard=5, per_hour=10)
DEFAULT_PARTNER = Bucket(soft=3_000, hard=30_000, per_hour=30_000)


# Organisers' sign-in links asked (any campaign): a person needs a few an hour; more for one
# address floods an organiser's inbox, and many from one network is someone trying addresses.
def sign_in_bucket(per_hour: int) -> Bucket:
    return Bucket(hard=per_hour, per_hour=per_hour)


BUCKETS = ("address", "supporter", "partner")


@dataclass(frozen=True)
class Limits:
    address: Bucket = field(default=DEFAULT_ADDRESS)  # per client network and campaign
    supporter: Bucket = field(default=DEFAULT_SUPPORTER)  # per canonical email and campaign
    partner: Bucket = field(default=DEFAULT_PARTNER)  # per partner key and campaign

    @classmethod
    def from_dict(cls, raw: dict[str, dict[str, Any]] | None) -> Limits:
        given = raw or {}
        return cls(**{name: Bucket(**given[name]) for name in BUCKETS if name in given})

    def to_dict(self) -> dict[str, Any]:
        buckets: dict[str, Bucket] = {name: getattr(self, name) for name in BUCKETS}
        return {
            name: {"soft": b.soft, "hard": b.hard, "per_hour": b.per_hour}
            for name, b in buckets.items()
        }
