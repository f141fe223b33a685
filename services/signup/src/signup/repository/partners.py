"""Partners (associations, incubators, schools) that bring signups to campaigns: each has a public
key (the document's _id), the campaigns it works for (ids) and the origins it embeds them on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from mobilise_runtime.cache import TimedCache
from mobilise_runtime.errors import NotFound
from mobilise_runtime.locks import DocumentLocks
from mobilise_runtime.mongo import Document, find_existing, insert_unique
from signup.domain.errors import AlreadyExists

# The widget's requests read their partner on every call (CORS); an organiser's change reaches
# every process within this many seconds (and this process's at once).
CACHE_SECONDS = 1.0
# Keys come from anyone (a widget's `partner=`): "no such partner" is kept too, so the cache
# holds at most this many, whatever is asked.
MAX_CACHED = 10_000


@dataclass(frozen=True)
class Partner:
    key: str
    name: str
    campaign_ids: tuple[str, ...]
    origins: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    created_by: str


# Partners registered before the partner API had only a key and campaigns.
_UNKNOWN_DATE = datetime(1970, 1, 1, tzinfo=UTC)


def _from_doc(d: Document) -> Partner:
    return Partner(
        key=d["_id"],
        name=d.get("name") or d["_id"],
        campaign_ids=tuple(d.get("campaigns", ())),
        origins=tuple(d.get("origins", ())),
        created_at=d.get("created_at") or _UNKNOWN_DATE,
        updated_at=d.get("updated_at") or _UNKNOWN_DATE,
        created_by=d.get("created_by", ""),
    )


class PartnerRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._partners = db["partners"]
        self._locks = DocumentLocks(db, "partners")
        self._cache: TimedCache[str, Partner | None] = TimedCache(max_entries=MAX_CACHED)

    async def create(self, partner: Partner) -> None:
        doc: Document = {
            "_id": partner.key,
            "name": partner.name,
            "campaigns": list(partner.campaign_ids),
            "origins": list(partner.origins),
            "created_at": partner.created_at,
            "updated_at": partner.updated_at,
            "created_by": partner.created_by,
        }
        taken = AlreadyExists(f"a partner {partner.key!r} exists already", field="key")
        await insert_unique(self._partners, doc, taken=taken)
        self._cache.pop(partner.key)

    async def get(self, key: str) -> Partner:
        missing = NotFound(f"no partner {key!r}")
        return _from_doc(await find_existing(self._partners, {"_id": key}, missing=missing))

    async def get_cached(self, key: str) -> Partner | None:
        async def load() -> tuple[Partner | None, float]:
            doc = await self._partners.find_one({"_id": key})
            return (None if doc is None else _from_doc(doc)), CACHE_SECONDS

        return await self._cache.get(key, load)

    async def all(self) -> list[Partner]:
        return [_from_doc(d) async for d in self._partners.find({}).sort("_id", 1)]

    async def update(self, key: str, changes: dict[str, Any], *, now: datetime) -> Partner:
        # Locked: two organisers' changes of different fields at once both stay.
        async with self._locks.holding(key):
            result = await self._partners.update_one(
                {"_id": key}, {"$set": {**changes, "updated_at": now}}
            )
        self._cache.pop(key)
        if result.matched_count == 0:
            raise NotFound(f"no partner {key!r}")
        return await self.get(key)

    async def works_for(self, key: str, campaign_id: str) -> bool:
        partner = await self.get_cached(key)
        return partner is not None and campaign_id in partner.campaign_ids
