"""Redeemed console sign-in links: a link's nonce is recorded when it is used, so that it signs in
once. The insert is the single-use check (a duplicate `_id` is a replay), atomic in MongoDB and
FerretDB alike. Each record keeps when its link would have expired anyway; records past that
are dropped at each sign-in (an expired link is refused by its own signature), which keeps the
collection as small as the sign-ins of the last few minutes."""

from __future__ import annotations

from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase

from mobilise_runtime.mongo import Document, insert_unique
from signup.domain.errors import AlreadyExists


class SignInRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._redeemed = db["sign_in_links"]

    async def redeem(self, nonce: str, *, now: datetime, link_expires_at: datetime) -> None:
        """Mark the link used; AlreadyExists if it was, by anyone, before."""
        await insert_unique(
            self._redeemed,
            {"_id": nonce, "redeemed_at": now, "link_expires_at": link_expires_at},
            taken=AlreadyExists("this sign-in link has been used already: ask for a new one"),
        )
        await self._redeemed.delete_many({"link_expires_at": {"$lt": now}})
