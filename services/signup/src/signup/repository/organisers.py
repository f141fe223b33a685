"""Organisers and their API tokens, kept only as SHA-256 hashes (the tokens are random 256-bit
values, so a fast hash is enough: there is nothing to brute-force)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from mobilise_runtime.mongo import Document
from signup.domain.errors import AlreadyExists


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Organiser:
    id: str
    name: str
    email: str


class OrganiserRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._organisers = db["organisers"]

    async def ensure_indexes(self) -> None:
        await self._organisers.create_index("email", unique=True)
        await self._organisers.create_index("token_hashes")

    async def create(self, *, name: str, email: str, now: datetime) -> tuple[Organiser, str]:
        """Create an organiser; return it with its first token (shown once, never stored)."""
        token = secrets.token_urlsafe(32)
        organiser = Organiser(id=uuid.uuid4().hex, name=name, email=email)
        try:
            await self._organisers.insert_one(
                {
                    "_id": organiser.id,
                    "name": name,
                    "email": email,
                    "token_hashes": [token_hash(token)],
                    "created_at": now,
                }
            )
        except DuplicateKeyError as exc:
            raise AlreadyExists(f"an organiser with email {email} exists already") from exc
        return organiser, token

    async def new_token(self, email: str) -> str | None:
        token = secrets.token_urlsafe(32)
        result = await self._organisers.update_one(
            {"email": email}, {"$push": {"token_hashes": token_hash(token)}}
        )
        return token if result.matched_count else None

    async def by_token(self, token: str) -> Organiser | None:
        doc = await self._organisers.find_one({"token_hashes": token_hash(token)})
        if doc is None:
            return None
        return Organiser(id=doc["_id"], name=doc["name"], email=doc["email"])
