"""The console's session and CSRF rules (pure: no request, no I/O).

A session is a cookie holding the organiser's API token (from a redeemed sign-in link, or the
admin token), their name and role, when it ends, and the CSRF secret of its forms — encrypted and
authenticated (Fernet) with a key derived from CONSOLE_SESSION_SECRET, so the browser can neither
read the token nor change anything. Nothing of it is stored on the server: the console keeps no
copy of organisers. Every form carries the session's CSRF token; a POST whose token is missing or
is another session's is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from cryptography.fernet import Fernet, InvalidToken

COOKIE = "mobilise_console"


@dataclass(frozen=True)
class Session:
    token: str
    name: str
    role: str
    expires_at: datetime
    csrf: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class SessionCodec:
    def __init__(self, secret: str) -> None:
        if len(secret) < 16:
            raise ValueError("CONSOLE_SESSION_SECRET must be at least 16 characters")
        key = hashlib.sha256(b"mobilise console session\0" + secret.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def new(self, *, token: str, name: str, role: str, expires_at: datetime) -> Session:
        return Session(token, name, role, expires_at, secrets.token_urlsafe(24))

    def encode(self, session: Session) -> str:
        data = {**asdict(session), "expires_at": session.expires_at.isoformat()}
        return self._fernet.encrypt(json.dumps(data).encode()).decode()

    def decode(self, cookie: str | None, *, now: datetime) -> Session | None:
        """The session the cookie holds; None when it is absent, forged, altered or over."""
        if not cookie:
            return None
        try:
            data = json.loads(self._fernet.decrypt(cookie.encode()))
            session = Session(
                token=str(data["token"]),
                name=str(data["name"]),
                role=str(data["role"]),
                expires_at=datetime.fromisoformat(data["expires_at"]),
                csrf=str(data["csrf"]),
            )
        except (InvalidToken, ValueError, KeyError, TypeError):
            return None
        if session.expires_at.astimezone(UTC) <= now:
            return None
        return session


def csrf_valid(expected: str | None, submitted: str | None) -> bool:
    """The form's token is the one its session (or pre-session cookie) expects."""
    if not expected or not submitted:
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode())
