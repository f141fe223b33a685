"""Organisers, their roles, campaigns and API tokens, the tokens kept only as SHA-256 hashes (they
are random 256-bit values, so a fast hash is enough: there is nothing to brute-force).

A token may have an expiry (`token_expiry`, by hash). Revoking an organiser deletes every hash:
the next request with one of their tokens, to any service, is refused (the other services ask
GET /api/v1/organisers/me on every request). The record stays, so that what they did stays
attributed.

Organisers created before roles existed have no `role`: on first read they become organisers of
the campaigns they created (a guarded, idempotent update), never admins.

Every write to an organiser holds its lock (mobilise_runtime.locks): on FerretDB, a sign-in's
`$push` of a token read before a revocation and written after would put back every token the
revocation removed, and take the revocation away."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from mobilise_runtime.errors import NotFound
from mobilise_runtime.locks import DocumentLocks
from mobilise_runtime.mongo import Document, find_existing, insert_unique
from signup.domain.errors import AlreadyExists
from signup.domain.organisers import Organiser, Role

__all__ = ["Organiser", "OrganiserRepository", "token_hash"]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _from_doc(d: Document) -> Organiser:
    return Organiser(
        id=d["_id"],
        name=d["name"],
        email=d["email"],
        role=d["role"],
        campaign_ids=tuple(d.get("campaigns", ())),
        created_at=d.get("created_at"),
        revoked_at=d.get("revoked_at"),
    )


class OrganiserRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._organisers = db["organisers"]
        self._locks = DocumentLocks(db, "organisers")
        # Read only: which campaigns an organiser from before roles created.
        self._campaigns = db["campaigns"]

    async def ensure_indexes(self) -> None:
        await self._organisers.create_index("email", unique=True)
        await self._organisers.create_index("token_hashes")

    async def create(
        self,
        *,
        name: str,
        email: str,
        now: datetime,
        role: Role = "organiser",
        campaign_ids: tuple[str, ...] = (),
        expires_at: datetime | None = None,
    ) -> tuple[Organiser, str]:
        """Create an organiser; return it with its first token (shown once, never stored)."""
        token = secrets.token_urlsafe(32)
        # BSON keeps milliseconds: the answer shows what is stored.
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        doc: Document = {
            "_id": uuid.uuid4().hex,
            "name": name,
            "email": email,
            "role": role,
            "campaigns": list(campaign_ids),
            "token_hashes": [token_hash(token)],
            "token_expiry": {token_hash(token): expires_at} if expires_at else {},
            "created_at": now,
        }
        taken = AlreadyExists(f"an organiser with email {email} exists already")
        await insert_unique(self._organisers, doc, taken=taken)
        return _from_doc(doc), token

    async def new_token(self, email: str, *, expires_at: datetime | None = None) -> str | None:
        """A further token (a revoked organiser is reinstated by it); None: no such organiser."""
        found = await self._organisers.find_one({"email": email}, {"_id": 1})
        if found is None:
            return None
        token = secrets.token_urlsafe(32)
        async with self._locks.holding(found["_id"]):
            result = await self._organisers.update_one(
                {"_id": found["_id"], "email": email},
                {
                    "$push": {"token_hashes": token_hash(token)},
                    "$unset": {"revoked_at": ""},
                    **(
                        {"$set": {f"token_expiry.{token_hash(token)}": expires_at}}
                        if expires_at
                        else {}
                    ),
                },
            )
        return token if result.matched_count else None

    async def session_token(self, organiser_id: str, *, expires_at: datetime) -> str | None:
        """A token for one console session (it expires); None: no such organiser, or revoked
        (unlike new_token, signing in never reinstates anyone)."""
        token = secrets.token_urlsafe(32)
        async with self._locks.holding(organiser_id):
            result = await self._organisers.update_one(
                {"_id": organiser_id, "revoked_at": {"$exists": False}},
                {
                    "$push": {"token_hashes": token_hash(token)},
                    "$set": {f"token_expiry.{token_hash(token)}": expires_at},
                },
            )
        return token if result.matched_count else None

    async def prune_expired_tokens(self, *, now: datetime, organiser_id: str | None = None) -> int:
        """Drops the hashes (and expiries) of tokens past their expiry — one per console session
        otherwise, for ever — of one organiser or of all; returns how many. Only the expired
        hashes are named in the update: a token added meanwhile stays."""
        query: Document = {"token_expiry": {"$exists": True}}
        if organiser_id is not None:
            query["_id"] = organiser_id
        pruned = 0
        async for doc in self._organisers.find(query, {"token_expiry": 1}):
            expired = [h for h, at in (doc.get("token_expiry") or {}).items() if at and at <= now]
            if not expired:
                continue
            await self._organisers.update_one(
                {"_id": doc["_id"]},
                {
                    "$pullAll": {"token_hashes": expired},
                    "$unset": {f"token_expiry.{h}": "" for h in expired},
                },
            )
            pruned += len(expired)
        return pruned

    async def drop_token(self, token: str) -> None:
        """Signing out: that one token stops working (the organiser's others do not)."""
        hashed = token_hash(token)
        found = await self._organisers.find_one({"token_hashes": hashed}, {"_id": 1})
        if found is None:
            return
        async with self._locks.holding(found["_id"]):
            await self._organisers.update_one(
                {"_id": found["_id"], "token_hashes": hashed},
                {"$pull": {"token_hashes": hashed}, "$unset": {f"token_expiry.{hashed}": ""}},
            )

    async def by_token(self, token: str, *, now: datetime) -> Organiser | None:
        """Whose token this is, if it has not expired; None for anything else."""
        hashed = token_hash(token)
        doc = await self._organisers.find_one({"token_hashes": hashed})
        if doc is None:
            return None
        expires_at = doc.get("token_expiry", {}).get(hashed)
        if expires_at is not None and expires_at <= now:
            return None
        return await self._with_role(doc)

    async def get(self, organiser_id: str) -> Organiser:
        missing = NotFound(f"no organiser {organiser_id!r}")
        return await self._with_role(
            await find_existing(self._organisers, {"_id": organiser_id}, missing=missing)
        )

    async def by_email(self, email: str) -> Organiser:
        missing = NotFound(f"no organiser with email {email}")
        return await self._with_role(
            await find_existing(self._organisers, {"email": email}, missing=missing)
        )

    async def all(self) -> list[Organiser]:
        return [
            await self._with_role(d) async for d in self._organisers.find({}).sort("created_at", 1)
        ]

    async def change(
        self,
        organiser_id: str,
        *,
        role: Role | None = None,
        campaign_ids: tuple[str, ...] | None = None,
        now: datetime,
    ) -> Organiser:
        await self.get(organiser_id)  # an organiser from before roles gets one first
        changes: Document = {"updated_at": now}
        if role is not None:
            changes["role"] = role
        if campaign_ids is not None:
            changes["campaigns"] = list(campaign_ids)
        return await self._update(organiser_id, {"$set": changes})

    async def revoke(self, organiser_id: str, *, now: datetime) -> Organiser:
        """Every token of theirs stops working with this write."""
        return await self._update(
            organiser_id,
            {
                "$set": {
                    "token_hashes": [],
                    "token_expiry": {},
                    "revoked_at": now,
                    "updated_at": now,
                }
            },
        )

    async def grant(self, organiser_id: str, campaign_id: str) -> None:
        """Give a campaign to an organiser (its creator: before the campaign exists, so that it
        is never theirs-but-not-yet); nothing for the admin token, which is no document."""
        async with self._locks.holding(organiser_id):
            await self._organisers.update_one(
                {"_id": organiser_id}, {"$addToSet": {"campaigns": campaign_id}}
            )

    async def withdraw(self, organiser_id: str, campaign_id: str) -> None:
        async with self._locks.holding(organiser_id):
            await self._organisers.update_one(
                {"_id": organiser_id}, {"$pull": {"campaigns": campaign_id}}
            )

    async def _update(self, organiser_id: str, update: Document) -> Organiser:
        async with self._locks.holding(organiser_id):
            doc = await self._organisers.find_one_and_update(
                {"_id": organiser_id}, update, return_document=ReturnDocument.AFTER
            )
        if doc is None:
            raise NotFound(f"no organiser {organiser_id!r}")
        return await self._with_role(doc)

    async def _with_role(self, doc: Document) -> Organiser:
        if "role" in doc:
            return _from_doc(doc)
        created = [
            c["_id"] async for c in self._campaigns.find({"created_by": doc["_id"]}, {"_id": 1})
        ]
        # Guarded and a union: whoever migrates first, and any grant meanwhile, both stand.
        async with self._locks.holding(doc["_id"]):
            await self._organisers.update_one(
                {"_id": doc["_id"], "role": {"$exists": False}},
                {"$set": {"role": "organiser"}, "$addToSet": {"campaigns": {"$each": created}}},
            )
        migrated = await self._organisers.find_one({"_id": doc["_id"]})
        return _from_doc(migrated if migrated is not None else {**doc, "role": "organiser"})
