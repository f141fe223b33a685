"""The one place that creates MongoDB clients (PyMongo's native async API).

FerretDB (dev, tests) and MongoDB (production) both sit behind this: use no multi-document
transactions, change streams or TTL indexes, and give every document a single writer."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

Document = dict[str, Any]


class ServiceDatabase:
    """A service's own database (no service writes another's) and the client it came from."""

    def __init__(self, url: str, name: str, *, app_name: str) -> None:
        self.client: AsyncMongoClient[Document] = AsyncMongoClient(
            url,
            appname=app_name,
            tz_aware=True,
            serverSelectionTimeoutMS=5000,
            connectTimeoutMS=5000,
        )
        self.db: AsyncDatabase[Document] = self.client[name]

    async def ping(self) -> None:
        await self.db.command("ping")

    async def close(self) -> None:
        await self.client.close()
