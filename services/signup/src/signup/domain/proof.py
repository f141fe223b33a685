"""The proof of work a browser computes when many signups come from its network: a challenge
signed by the server (HMAC, with its campaign and expiry), and a nonce such that
SHA-256("<challenge>:<nonce>") starts with `bits` zero bits. Checking it needs no stored state;
spending it once is the limiter's (Redis), so a solved challenge cannot be replayed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

_NONCE = re.compile(r"[0-9a-zA-Z]{1,16}")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass(frozen=True)
class Challenge:
    token: str
    bits: int


def leading_zero_bits(digest: bytes) -> int:
    value = int.from_bytes(digest, "big")
    return len(digest) * 8 - value.bit_length()


class ProofOfWork:
    def __init__(self, key: bytes, *, bits: int, ttl_s: int) -> None:
        self._key = key
        self.bits = bits
        self.ttl_s = ttl_s

    def _sign(self, scope: str, body: str) -> str:
        return _b64(hmac.new(self._key, f"{scope}|{body}".encode(), hashlib.sha256).digest()[:12])

    def challenge(self, scope: str, *, now: float) -> Challenge:
        body = f"{int(now) + self.ttl_s}.{self.bits}.{_b64(secrets.token_bytes(6))}"
        return Challenge(token=f"{body}.{self._sign(scope, body)}", bits=self.bits)

    def verify(self, scope: str, proof: str, *, now: float) -> str | None:
        """The challenge `proof` solves, if it is ours, for `scope`, unexpired and solved."""
        token, _, nonce = proof.rpartition(":")
        parts = token.split(".")
        if len(parts) != 4 or not _NONCE.fullmatch(nonce):
            return None
        expires, bits, _, signature = parts
        body = token.rpartition(".")[0]
        if not hmac.compare_digest(signature.encode(), self._sign(scope, body).encode()):
            return None
        if int(expires) < now:
            return None
        digest = hashlib.sha256(proof.encode()).digest()
        return token if leading_zero_bits(digest) >= int(bits) else None
