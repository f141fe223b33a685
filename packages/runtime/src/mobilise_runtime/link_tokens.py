"""Tokens for the links we email: confirm a signup (expires), unsubscribe (works forever) and an
organiser's console sign-in (15 minutes, single use). The mailer mints them: mailer-consumer a
signup's confirm token when it records its recipient (`signup_confirm_token`), mailer-worker each
email's unsubscribe token when it sends it (it never expires, so when it was minted does not
matter); the signup service opens them (and mints and opens the sign-in links): all hold the
same keys.

Fernet tokens: authenticated and encrypted, so a link reveals neither the email address nor ids,
and no one can forge one. Several keys may be configured: the first signs, all are accepted, so
keys can be rotated without breaking a link ever mailed."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from mobilise_events import Signup


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


@dataclass(frozen=True)
class SignupLinks:
    confirm_token: str | None  # None without double opt-in
    unsubscribe_token: str


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

    def _seal(self, claims: dict[str, str | None], issued_at: datetime | None) -> str:
        data = json.dumps(claims, separators=(",", ":")).encode()
        if issued_at is None:
            return self._fernet.encrypt(data).decode()
        return self._fernet.encrypt_at_time(data, int(issued_at.timestamp())).decode()

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

    def confirm_token(self, claim: ConfirmClaim, *, issued_at: datetime | None = None) -> str:
        """`issued_at` (default now): what the link's expiry counts from."""
        return self._seal(
            {
                "p": "confirm",
                "s": str(claim.signup_id),
                "c": claim.campaign_id,
                "k": claim.supporter_key,
            },
            issued_at,
        )

    def read_confirm(self, token: str) -> ConfirmClaim:
        c = self._open(token, "confirm", self._confirm_max_age_s)
        return ConfirmClaim(uuid.UUID(c["s"]), str(c["c"]), str(c["k"]))

    def unsubscribe_token(
        self, claim: UnsubscribeClaim, *, issued_at: datetime | None = None
    ) -> str:
        return self._seal({"p": "unsubscribe", "e": claim.email, "c": claim.campaign_id}, issued_at)

    def read_unsubscribe(self, token: str) -> UnsubscribeClaim:
        c = self._open(token, "unsubscribe", None)
        return UnsubscribeClaim(str(c["e"]), c["c"])

    def sign_in_token(self, claim: SignInClaim) -> str:
        return self._seal({"p": "sign-in", "o": claim.organiser_id, "n": claim.nonce}, None)

    def read_sign_in(self, token: str, *, max_age_s: int) -> SignInClaim:
        c = self._open(token, "sign-in", max_age_s)
        return SignInClaim(str(c["o"]), str(c["n"]))

    def signup_confirm_token(self, signup: Signup) -> str | None:
        """The token of the confirm link a signup's confirmation carries (None without double
        opt-in). A signup event of schema version 1 carries its own (minted by the signup service
        then): it is kept. The others are minted from the signup's claims, dated when it was
        made, so that a confirm link expires as long after the signup as it always did, and a
        replayed old signup gets no fresh one."""
        if signup.confirm_token is not None or not signup.double_opt_in:
            return signup.confirm_token
        claim = ConfirmClaim(signup.signup_id, signup.campaign_id, signup.supporter_key)
        return self.confirm_token(claim, issued_at=signup.occurred_at)

    def signup_links(self, signup: Signup) -> SignupLinks:
        """The tokens of the links a signup's emails carry: its confirm token, and an
        unsubscribe token of its claims (a version 1 signup's own), as the mailer would mail
        them (tests use it to follow a signup's links without a mailer)."""
        unsubscribe = signup.unsubscribe_token or self.unsubscribe_token(
            UnsubscribeClaim(signup.email, signup.campaign_id)
        )
        return SignupLinks(self.signup_confirm_token(signup), unsubscribe)
