"""Campaigns and the consent texts they ask supporters to accept."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from mobilise_runtime.cache import TimedCache
from mobilise_runtime.errors import NotFound
from mobilise_runtime.locks import DocumentLocks
from mobilise_runtime.mongo import Document, find_existing, insert_unique
from signup.domain.campaigns import Campaign, Localised
from signup.domain.errors import AlreadyExists, Anonymised
from signup.domain.limits import Limits
from signup.domain.reopening import may_reopen


def _to_doc(c: Campaign) -> Document:
    return {
        "_id": c.id,
        "slug": c.slug,
        "kind": c.kind,
        "title": dict(c.title.texts),
        "description": dict(c.description.texts),
        "fallback_locale": c.fallback_locale,
        "goal": c.goal,
        "countries": list(c.countries),
        "double_opt_in": c.double_opt_in,
        "opens_at": c.opens_at,
        "closes_at": c.closes_at,
        "closed": c.closed,
        "consent_text_versions": list(c.consent_text_versions),
        "created_at": c.created_at,
        "updated_at": c.updated_at,
        "created_by": c.created_by,
        "limits": c.limits.to_dict(),
    }


def _from_doc(d: Document) -> Campaign:
    return Campaign(
        id=d["_id"],
        slug=d["slug"],
        kind=d["kind"],
        # Campaigns from before other languages have fr and en, French first.
        title=Localised(d["title"], d.get("fallback_locale", "fr")),
        description=Localised(d["description"], d.get("fallback_locale", "fr")),
        goal=d["goal"],
        countries=tuple(d["countries"]),
        double_opt_in=d["double_opt_in"],
        opens_at=d["opens_at"],
        closes_at=d["closes_at"],
        closed=d["closed"],
        consent_text_versions=tuple(d["consent_text_versions"]),
        created_at=d["created_at"],
        updated_at=d["updated_at"],
        created_by=d["created_by"],
        # Campaigns created before limits existed have the defaults.
        limits=Limits.from_dict(d.get("limits")),
    )


# Signups read their campaign on every request; organisers' changes reach every process within
# this many seconds (and this process's at once).
CACHE_SECONDS = 1.0
CACHED_CAMPAIGNS = 10_000


def campaign_lock(db: AsyncDatabase[Document]) -> DocumentLocks:
    """Every writer of a campaign after its creation holds its lock (mobilise_runtime.locks)."""
    return DocumentLocks(db, "campaigns")


class CampaignRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._locks = campaign_lock(db)
        self._campaigns = db["campaigns"]
        # One read per slug when it expires, however many signups miss at that moment (each
        # of them reading it again was ~5% of the intake's time under wrk: FerretDB is slow).
        self._cache: TimedCache[str, Campaign] = TimedCache(max_entries=CACHED_CAMPAIGNS)

    async def ensure_indexes(self) -> None:
        await self._campaigns.create_index("slug", unique=True)

    async def create(self, campaign: Campaign) -> None:
        taken = AlreadyExists(f"a campaign {campaign.slug!r} exists already", field="slug")
        await insert_unique(self._campaigns, _to_doc(campaign), taken=taken)

    async def by_slug(self, slug: str) -> Campaign:
        missing = NotFound(f"no campaign {slug!r}")
        return _from_doc(await find_existing(self._campaigns, {"slug": slug}, missing=missing))

    async def by_slug_cached(self, slug: str) -> Campaign:
        async def load() -> tuple[Campaign, float]:
            return await self.by_slug(slug), CACHE_SECONDS

        return await self._cache.get(slug, load)

    async def all(self) -> list[Campaign]:
        return [_from_doc(d) async for d in self._campaigns.find({}).sort("created_at", -1)]

    async def by_ids(self, ids: list[str]) -> dict[str, Campaign]:
        found = self._campaigns.find({"_id": {"$in": ids}})
        return {d["_id"]: _from_doc(d) async for d in found}

    async def update(self, slug: str, changes: dict[str, Any], *, now: datetime) -> Campaign:
        found = await self._campaigns.find_one({"slug": slug}, {"_id": 1})
        if found is None:
            raise NotFound(f"no campaign {slug!r}")
        query: Document = {"_id": found["_id"], "slug": slug}
        if may_reopen(changes):
            # In the write itself, under the campaign's lock (which retention's marking takes
            # too): a retention run marking it meanwhile is never overtaken.
            query["anonymised_at"] = {"$exists": False}
        async with self._locks.holding(found["_id"]):
            result = await self._campaigns.update_one(
                query, {"$set": {**changes, "updated_at": now}}
            )
        self._cache.pop(slug)
        if result.matched_count == 0:
            if await self._campaigns.count_documents({"slug": slug}, limit=1):
                raise Anonymised(
                    f"campaign {slug!r} was anonymised after it closed: it cannot take signups "
                    "again, so its dates cannot change and it cannot be opened"
                )
            raise NotFound(f"no campaign {slug!r}")
        return await self.by_slug(slug)


class ConsentTextRepository:
    """Consent wording is immutable once published: a consent record names the exact version."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._texts = db["consent_texts"]

    async def create(self, version: str, text: dict[str, str], *, by: str, now: datetime) -> None:
        await insert_unique(
            self._texts,
            {"_id": version, "text": text, "created_at": now, "created_by": by},
            taken=AlreadyExists(
                f"consent text {version!r} exists already; publish a new version", field="version"
            ),
        )

    async def get(self, version: str) -> Document:
        missing = NotFound(f"no consent text {version!r}")
        return await find_existing(self._texts, {"_id": version}, missing=missing)

    async def all(self) -> list[Document]:
        return [d async for d in self._texts.find({}).sort("created_at", 1)]

    async def missing(self, versions: list[str]) -> list[str]:
        found = {d["_id"] async for d in self._texts.find({"_id": {"$in": versions}}, {"_id": 1})}
        return [v for v in versions if v not in found]
