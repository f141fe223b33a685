"""recipients, suppressions and erasure tombstones, as the consumer writes them (async)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from pymongo import DeleteOne, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from mailer.domain.planning import ERASED_AT, GLOBAL_SCOPE, suppression_id
from mailer.repository import ANONYMISED, ERASURES, MAIL_LOG, RECIPIENTS, SUPPRESSIONS
from mobilise_events import Signup, SignupConfirmed
from mobilise_runtime.mongo import Document, bulk_write, erasure_times, insert_new

# Recipients per round trip when a campaign's audience is read: a bounded slice in memory.
READ_BATCH = 1000


def recipient_id(campaign_id: str, supporter_key: str) -> str:
    return f"{campaign_id}:{supporter_key}"


class AudienceRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._recipients = db[RECIPIENTS]
        self._suppressions = db[SUPPRESSIONS]
        self._erasures = db[ERASURES]
        self._mail_log = db[MAIL_LOG]
        self._anonymised = db[ANONYMISED]

    async def record_signups(self, signups: Sequence[tuple[Signup, str]]) -> None:
        """(event, email hash) pairs, in offset order: later signups of a person win. Each
        event with its confirm token (SignupEmails mints it); no unsubscribe token is kept: the
        worker mints it as it sends."""
        writes = []
        for event, email_hash in signups:
            fields = {
                "campaign_id": event.campaign_id,
                "campaign_slug": event.campaign_slug,
                "supporter_key": event.supporter_key,
                "signup_id": str(event.signup_id),
                "email": event.email,
                "email_hash": email_hash,
                "first_name": event.first_name,
                "locale": event.locale,
                "country": event.country,
                "newsletter_opt_in": event.newsletter_opt_in,
                "signed_at": event.occurred_at,
            }
            if event.confirm_token:
                # Kept to build the confirmation again if its task is lost
                # (mailer.application.consumer); a later signup without one leaves it.
                fields["confirm_token"] = event.confirm_token
            update: dict[str, Any] = {"$set": fields}
            # With double opt-in only signup.confirmed confirms (it may have come first: the
            # topics are read in no set order); without, a signup is confirmed when made.
            if not event.double_opt_in:
                update["$max"] = {"confirmed_at": event.occurred_at}
            writes.append(UpdateOne({"_id": _rid(event)}, update, upsert=True))
        await bulk_write(self._recipients, writes, ordered=True)

    async def record_confirmations(self, events: Iterable[SignupConfirmed]) -> None:
        writes = [
            UpdateOne(
                {"_id": _rid(e)},
                # The latest confirmation's time, whatever order they are read in: one older
                # than the person's erasure confirms nothing (domain.planning.is_confirmed).
                {"$max": {"confirmed_at": e.occurred_at},
                 "$setOnInsert": {"campaign_id": e.campaign_id, "supporter_key": e.supporter_key}},
                upsert=True,
            )
            for e in events
        ]  # fmt: skip
        await bulk_write(self._recipients, writes, ordered=True)

    async def erased_since(self, hashes: Iterable[str]) -> dict[str, datetime]:
        """Erasure time of each of these addresses that was ever erased."""
        return await erasure_times(self._erasures, hashes)

    async def forget(self, signups: Iterable[tuple[Signup, datetime]]) -> None:
        """Deletes the recipients of these signups that a late-read erasure (at that time)
        covers: only if the signup the document holds is not newer than the erasure — a later
        signup of the same person, written by the same batch, is a new consent — or if it holds
        none (a confirmation read before its signup)."""
        deletes = [
            DeleteOne(
                {
                    "_id": _rid(event),
                    "$or": [{"signed_at": {"$lte": erased_at}}, {"signed_at": {"$exists": False}}],
                }
            )
            for event, erased_at in signups
        ]
        await bulk_write(self._recipients, deletes, ordered=False)

    async def erase(self, email_hash: str, erased_at: datetime, keys: Iterable[str]) -> None:
        """Tombstone first, then delete the recipients whose signup is not newer than the
        erasure (a signup after it is a new consent, whenever this consumer reads the erasure):
        a signup written meanwhile sees the tombstone after its own write (record_signups'
        callers check it then) and deletes itself if older."""
        await self._erasures.update_one(
            {"_id": email_hash}, {"$max": {"erased_at": erased_at}}, upsert=True
        )
        covered = {"email_hash": email_hash, "signed_at": {"$lte": erased_at}}
        found = self._recipients.find(covered, {"supporter_key": 1})
        supporter_keys = {doc["supporter_key"] async for doc in found} | set(keys)
        await self._recipients.delete_many(covered)
        if supporter_keys:
            await self._mail_log.delete_many({"supporter_key": {"$in": sorted(supporter_keys)}})

    async def suppress(self, suppressions: Sequence[Document]) -> None:
        """Insert-once documents: the first reason is kept, a replay changes nothing."""
        docs = [{**s, "_id": suppression_id(s["scope"], s["email_hash"])} for s in suppressions]
        await insert_new(self._suppressions, docs)

    async def suppressed_hashes(self, campaign_id: str) -> set[str]:
        """Addresses no mail of this campaign may go to."""
        scopes = [campaign_id, GLOBAL_SCOPE]
        cursor = self._suppressions.find({"scope": {"$in": scopes}}, {"email_hash": 1})
        return {doc["email_hash"] async for doc in cursor}

    async def recipients(self, ids: Iterable[str]) -> dict[str, Document]:
        """These recipient documents by id, in one query; an erased one is not there."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        return {doc["_id"]: doc async for doc in self._recipients.find({"_id": {"$in": wanted}})}

    async def of_campaign(
        self, campaign_id: str, *, confirmed_only: bool = True, locale: str | None = None
    ) -> AsyncGenerator[Document, None]:
        """The campaign's recipients who opted in (only those of `locale`, if given), whole
        documents streamed in the order the store keeps them (a campaign's audience may not fit
        in a consumer's memory) and, for a mailing to the confirmed only, with their person's
        erasure time if ever erased (ERASED_AT)."""
        erased = await self._every_erasure() if confirmed_only else {}
        # Closed with this generator: a plan that stops early cancels the page read ahead.
        async with contextlib.aclosing(self._opted_in(campaign_id, locale)) as read:
            async for recipient in read:
                if erased and (at := erased.get(recipient["email_hash"])) is not None:
                    recipient[ERASED_AT] = at
                yield recipient

    async def _every_erasure(self) -> dict[str, datetime]:
        """Every tombstone, read once before the audience: FerretDB pushes no `$in` down, so one
        lookup per page of the audience decoded every tombstone each time (1.8 s of its CPU per
        page at 50,000 erasures). In memory ~200 bytes each; erasures are a few per thousand
        supporters. An erasure recorded meanwhile is as one recorded after a page's lookup was:
        the worker still skips whoever was erased after signing (SendingStore.blocked)."""
        return {doc["_id"]: doc["erased_at"] async for doc in self._erasures.find({})}

    def _opted_in(self, campaign_id: str, locale: str | None) -> AsyncGenerator[Document, None]:
        # Whole documents: FerretDB applies a projection to each document after decoding it
        # (measured: a quarter more of its CPU than whole documents); an equality on `locale`
        # is pushed down to PostgreSQL, so a mailing in one language decodes only its own.
        wanted: Document = {"campaign_id": campaign_id, "newsletter_opt_in": True}
        if locale is not None:
            wanted["locale"] = locale
        # FerretDB answers a getMore with 250 documents unless told otherwise.
        cursor = self._recipients.find(wanted, batch_size=READ_BATCH)
        return read_ahead(cursor, READ_BATCH)

    async def not_anonymised(self, events: list[Any]) -> list[Any]:
        """These events without the signups and confirmations of anonymised campaigns: a
        replayed old event brings none of their personal data back."""
        ids = sorted({e.campaign_id for e in events if isinstance(e, (Signup, SignupConfirmed))})
        if not ids:
            return events
        marked = {d["_id"] async for d in self._anonymised.find({"_id": {"$in": ids}})}
        return [
            e
            for e in events
            if not (isinstance(e, (Signup, SignupConfirmed)) and e.campaign_id in marked)
        ]


class Pages(Protocol):
    """A cursor read a page at a time (pymongo's AsyncCursor)."""

    async def to_list(self, length: int | None = None) -> list[Document]: ...
    async def close(self) -> None: ...


async def read_ahead(cursor: Pages, page: int) -> AsyncGenerator[Document, None]:
    """The cursor's documents, the next page already being read while this one is used: the
    store decodes page n+1 while the caller writes and queues what it made of page n (a
    mailing's plan), instead of each waiting for the other. At most two pages in memory."""
    following: asyncio.Task[list[Document]] | None = None
    try:
        current = await cursor.to_list(page)
        while current:
            following = asyncio.ensure_future(cursor.to_list(page))
            for document in current:
                yield document
            current = await following
            following = None
    finally:
        if following is not None:
            following.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await following
        await cursor.close()


def _rid(event: Signup | SignupConfirmed) -> str:
    return recipient_id(event.campaign_id, event.supporter_key)
