"""Supporter records with their consent history, projected from the signup service's own events
by `signup-projector`; the organiser export reads them.

One document per (campaign, supporter key), and every write is idempotent: replaying a batch
after a crash leaves the same document. What depends on the order the events are read in is not
stored but derived when read (`supporter_record`): the newsletter opt-in comes from the consents
(each signup's choice, at its time) and the latest unsubscription, facts that only accumulate.
Records written before it was derived still carry a stored `newsletter_opt_in`; it is not read,
and a signup's write drops it. A document has more than one writer: a campaign's
signups and confirmations share a partition, but unsubscriptions and erasures travel on topics of
their own (another projector process may read them), and signup-retention drops old client
networks. FerretDB 1.24 writes a filtered update back whole (mobilise_runtime.locks), so each
writer holds the locks of the records it writes, and a write by address resolves the address to
records first."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from pymongo import DeleteOne, UpdateMany, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from mobilise_events import Signup, SignupConfirmed, VolunteerRegistered
from mobilise_runtime.locks import DocumentLocks
from mobilise_runtime.mongo import Document, bulk_write
from signup.domain.emails import canonical_email
from signup.domain.supporters import newsletter_opt_in


@dataclass(frozen=True)
class Write:
    """One update of supporter records: of the record `query` names by `_id`, or (`query`
    without one: an unsubscription) of every record matching it."""

    query: Document
    update: Document
    upsert: bool = False

    @property
    def record(self) -> str | None:
        found = self.query.get("_id")
        return found if isinstance(found, str) else None


def _id(campaign_id: str, supporter_key: str) -> str:
    return f"{campaign_id}:{supporter_key}"


def _aware(moment: datetime) -> datetime:
    # Stored times come back aware (tz_aware client); a naive one is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class SupporterRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._supporters = db["supporters"]
        self._locks = supporter_locks(db)

    async def ensure_indexes(self) -> None:
        await self._supporters.create_index([("campaign_id", 1), ("signed_at", 1)])
        await self._supporters.create_index("email_canonical")

    @staticmethod
    def signed(event: Signup) -> Write:
        # The latest signup's details win (a supporter may correct a name); the consent records
        # accumulate, one per signup, and the first signup's time stays.
        details: Document = {
            "campaign_id": event.campaign_id,
            "supporter_key": event.supporter_key,
            "kind": "volunteer" if isinstance(event, VolunteerRegistered) else "pledge",
            "email": event.email,
            "email_canonical": canonical_email(event.email),
            "first_name": event.first_name,
            "last_name": event.last_name,
            "country": event.country,
            "region": event.region,
            "locale": event.locale,
        }
        if event.partner is not None:
            details["partner"] = event.partner
        if isinstance(event, VolunteerRegistered):
            details["volunteer"] = {
                "skills": list(event.skills),
                "availability": event.availability,
                "wants_training": event.wants_training,
            }
        consent = {
            "signup_id": str(event.signup_id),
            "at": event.occurred_at,
            "consent_text_version": event.consent_text_version,
            "newsletter_opt_in": event.newsletter_opt_in,
            "partner": event.partner,
        }
        added: Document = {"consents": consent}
        if event.client_network is not None:
            # Truncated by the signup service (never an address): invalidations match on it.
            added["client_networks"] = event.client_network
        return Write(
            {"_id": _id(event.campaign_id, event.supporter_key)},
            {
                "$set": details,
                "$min": {"signed_at": event.occurred_at},
                "$addToSet": added,
                # Derived when read (supporter_record); the old code's stored copy goes.
                "$unset": {"newsletter_opt_in": ""},
            },
            upsert=True,
        )

    @staticmethod
    def confirmed(event: SignupConfirmed) -> Write:
        # May arrive before the signup it confirms (another topic): the upsert keeps it, and the
        # signup's own write fills the rest of the document. It confirms its own signup only
        # (supporter_record): one read after an erasure confirms no signup made since.
        confirmation = {"signup_id": str(event.signup_id), "at": event.occurred_at}
        return Write(
            {"_id": _id(event.campaign_id, event.supporter_key)},
            {
                "$set": {"campaign_id": event.campaign_id},
                "$addToSet": {"confirmations": confirmation},
            },
            upsert=True,
        )

    @staticmethod
    def unsubscribed(email: str, campaign_id: str | None, at: datetime) -> Write:
        query: Document = {"email_canonical": canonical_email(email)}
        if campaign_id is not None:
            query["campaign_id"] = campaign_id
        return Write(query, {"$max": {"unsubscribed_at": at}})

    @staticmethod
    def also_unsubscribed(write: Write, at: datetime) -> Write:
        """A signup's write that also brings an unsubscription kept before its record existed."""
        return Write(write.query, {**write.update, "$max": {"unsubscribed_at": at}}, write.upsert)

    @staticmethod
    def unsubscribed_record(campaign_id: str, supporter_key: str, at: datetime) -> Write:
        """An unsubscription kept before this record existed (repository/unsubscriptions.py)."""
        return Write({"_id": _id(campaign_id, supporter_key)}, {"$max": {"unsubscribed_at": at}})

    async def erase(self, canonical: str, records: Sequence[tuple[str, str]], at: datetime) -> None:
        """Erases the person's consents (records found by address, and by key: a confirmation
        alone has no address) given up to `at`, each by its own time: a record left with none
        is deleted; one with a later signup — a new consent, whenever the erasure is read —
        keeps that consent only, its details (the latest signup's), and an unsubscription only
        if it came after the erasure."""
        who: Document = {"$or": [{"email_canonical": canonical}]}
        who["$or"] += [{"_id": _id(campaign_id, key)} for campaign_id, key in records]
        # The consents are read under the locks: a signup written meanwhile keeps its consent.
        async with self._holding(await self._ids(who)) as held:
            writes: list[DeleteOne | UpdateOne] = []
            fields = {"consents": 1, "unsubscribed_at": 1, "confirmations": 1, "confirmed_at": 1}
            async for doc in self._supporters.find(_among(held, who), fields):
                kept = [c for c in doc.get("consents", []) if _aware(c["at"]) > at]
                if not kept:
                    writes.append(DeleteOne({"_id": doc["_id"]}))
                    continue
                first = min(_aware(c["at"]) for c in kept)
                update: Document = {"$set": {"consents": kept, "signed_at": first}}
                if "confirmations" in doc:
                    confirmations = [c for c in doc["confirmations"] if _aware(c["at"]) > at]
                    update["$set"]["confirmations"] = confirmations
                gone = [f for f in _ERASED_BY_TIME if f in doc and _aware(doc[f]) <= at]
                if gone:
                    update["$unset"] = dict.fromkeys(gone, "")
                    if "confirmed_at" in gone:
                        update["$unset"]["confirmed"] = ""
                writes.append(UpdateOne({"_id": doc["_id"]}, update))
            await bulk_write(self._supporters, writes, ordered=True)

    async def apply(self, writes: Sequence[Write]) -> None:
        """The writes, in order, under the locks of every record they may change. A write by
        address changes the records that matched it before the locks were taken, or that an
        earlier write of the batch makes: a record another process makes meanwhile is as if
        made after it."""
        held = {w.record for w in writes if w.record is not None}
        for write in writes:
            if write.record is None:
                held |= await self._ids(write.query)
        async with self._holding(held):
            ops = [
                UpdateOne(w.query, w.update, upsert=w.upsert)
                if w.record is not None
                else UpdateMany(_among(held, w.query), w.update)
                for w in writes
            ]
            await bulk_write(self._supporters, ops, ordered=True)

    async def forget_networks(self, signed_before: datetime) -> int:
        """signup-retention: drops the client networks of the records first signed before then;
        how many records."""
        due: Document = {"signed_at": {"$lt": signed_before}, "client_networks": {"$exists": True}}
        ids = sorted(await self._ids(due))
        forgotten = 0
        for start in range(0, len(ids), FORGOTTEN_PER_LOCK):
            async with self._holding(ids[start : start + FORGOTTEN_PER_LOCK]) as held:
                done = await self._supporters.update_many(
                    _among(held, due), {"$unset": {"client_networks": ""}}
                )
            forgotten += done.modified_count
        return forgotten

    async def _ids(self, query: Document) -> set[str]:
        return {doc["_id"] async for doc in self._supporters.find(query, {"_id": 1})}

    @asynccontextmanager
    async def _holding(self, ids: Iterable[str]) -> AsyncIterator[list[str]]:
        held = sorted(set(ids))
        if not held:
            yield held
            return
        async with self._locks.holding(*held):
            yield held

    async def of_campaign(self, campaign_id: str) -> AsyncIterator[Document]:
        """Signed supporters of a campaign, oldest first (a confirmation alone is not a signup)."""
        cursor = self._supporters.find(
            {"campaign_id": campaign_id, "email": {"$exists": True}}
        ).sort("signed_at", 1)
        async for doc in cursor:
            yield supporter_record(doc)

    async def of_email(self, canonical: str) -> list[Document]:
        """Every record of one person (by canonical address), oldest first."""
        cursor = self._supporters.find({"email_canonical": canonical}).sort("signed_at", 1)
        return [supporter_record(doc) async for doc in cursor]


# Records whose networks one lock round drops: the projector waits at most that many writes.
FORGOTTEN_PER_LOCK = 200


def supporter_locks(db: AsyncDatabase[Document]) -> DocumentLocks:
    """Every writer of a supporter record holds its lock (mobilise_runtime.locks)."""
    return DocumentLocks(db, "supporters")


# A kept record's times that an erasure after them takes away. `confirmed_at` (with `confirmed`)
# is what the code before `confirmations` stored.
_ERASED_BY_TIME = ("unsubscribed_at", "confirmed_at")


def supporter_record(doc: Document) -> Document:
    """A stored record as its readers see it: with what is derived from its facts."""
    consents = doc.get("consents", [])
    choices = [(_aware(c["at"]), bool(c["newsletter_opt_in"])) for c in consents]
    unsubscribed = doc.get("unsubscribed_at")
    unsubscribed_at = _aware(unsubscribed) if unsubscribed is not None else None
    # Confirmed: one of its signups was (a confirmation of an erased signup confirms nothing).
    signups = {c["signup_id"] for c in consents}
    confirmed = [_aware(c["at"]) for c in doc.get("confirmations", []) if c["signup_id"] in signups]
    if doc.get("confirmed") is True and doc.get("confirmed_at") is not None:
        confirmed.append(_aware(doc["confirmed_at"]))  # stored by the code before confirmations
    return {
        **doc,
        "newsletter_opt_in": newsletter_opt_in(choices, unsubscribed_at),
        "confirmed": bool(confirmed),
        "confirmed_at": min(confirmed, default=None),
    }


def _among(ids: Iterable[str], query: Document) -> Document:
    """The query, kept to records whose locks are held."""
    return {**query, "_id": {"$in": sorted(ids)}}
