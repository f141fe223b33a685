"""Tokens for the links we email: confirm a signup (expires), unsubscribe (works forever) and an
organiser's console sign-in (15 minutes, single use).

Fernet tokens: authenticated and encrypted, so a link reveals neither the email address nor ids,
and no one can forge one. Several keys may be configured: the first signs, all are accepted, so
keys can be rotated without breaking a link ever mailed."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class TokenInvalid(ValueError):
    pass


class TokenExpired(ValueError):
    pass


@dataclass(frozen=True)
class ConfirmClaim:
    signup_id: uuid.UUID
    campaign_id: str
    supporter_key: str


@dataclass(frozen=True)
class UnsubscribeClaim:
    email: str
    campaign_id: str | None  # None: every campaign's mailings


@dataclass(frozen=True)
class SignInClaim:
    organiser_id: str
    # Single use: the link's nonce is recorded when redeemed (repository.sign_ins).
    nonce: str


class Tokens:
    def __init__(self, keys: str, *, confirm_max_age_s: int) -> None:
        try:
            fernets = [Fernet(k.strip()) for k in keys.split(",") if k.strip()]
        except ValueError as exc:
            raise ValueError(
                "token keys must be comma-separated Fernet keys (32 url-safe base64 bytes)"
            ) from exc
        if not fernets:
            raise ValueError("at least one token key is needed")
        self._fernet = MultiFernet(fernets)
        self._confirm_max_age_s = confirm_max_age_s

    def _seal(self, claims: dict[str, str | None]) -> str:
        return self._fernet.encrypt(json.dumps(claims, separators=(",", ":")).encode()).decode()

    def _open(self, token: str, purpose: str, ttl: int | None) -> dict[str, str | None]:
        try:
            claims: dict[str, str | None] = json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken as exc:
            raise TokenInvalid("this link is not valid") from exc
        if claims.get("p") != purpose:
            raise TokenInvalid("this link is not valid")
        if ttl is not None:
            # Authentic but old: worth its own friendly message, unlike a forged one.
            try:
                self._fernet.decrypt(token.encode(), ttl=ttl)
            except InvalidToken as exc:
                raise TokenExpired("this link has expired") from exc
        return claims

    def confirm_token(self, claim: ConfirmClaim) -> str:
        return self._seal(
            {
                "p": "confirm",
                "s": str(claim.signup_id),
                "c": claim.campaign_id,
                "k": claim.supporter_key,
            }
        )

    def read_confirm(self, token: str) -> ConfirmClaim:
        c = self._open(token, "confirm", self._confirm_max_age_s)
        return ConfirmClaim(uuid.UUID(c["s"]), str(c["c"]), str(c["k"]))

    def unsubscribe_token(self, claim: UnsubscribeClaim) -> str:
        return self._seal({"p": "unsubscribe", "e": claim.email, "c": claim.campaign_id})

    def read_unsubscribe(self, token: str) -> UnsubscribeClaim:
        c = self._open(token, "unsubscribe", None)
        return UnsubscribeClaim(str(c["e"]), c["c"])

    def sign_in_token(self, claim: SignInClaim) -> str:
        return self._seal({"p": "sign-in", "o": claim.organiser_id, "n": claim.nonce})

    def read_sign_in(self, token: str, *, max_age_s: int) -> SignInClaim:
        c = self._open(token, "sign-in", max_age_s)
        return SignInClaim(str(c["o"]), str(c["n"]))
