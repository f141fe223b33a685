"""Everything the mailer holds about one address, for an access request (GDPR art. 15): its
recipient documents, its suppressions and their reasons, the mails claimed for it (what was sent
when), and its erasure. Found by the address's keyed hash (suppressions, erasures and recipients
carry it) and by the recipients' supporter keys (mail log). Link tokens are credentials: their
presence is reported, not their value."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from mailer.repository import ERASURES, MAIL_LOG, RECIPIENTS, SUPPRESSIONS
from mobilise_runtime.mongo import Document

TOKENS = ("unsubscribe_token", "confirm_token")


async def held_about(db: AsyncDatabase[Document], email_hash: str) -> dict[str, Any]:
    recipients = await db[RECIPIENTS].find({"email_hash": email_hash}).sort("_id", 1).to_list()
    keys = sorted({r["supporter_key"] for r in recipients})
    claims = db[MAIL_LOG].find({"supporter_key": {"$in": keys}}).sort("_id", 1)
    suppressions = db[SUPPRESSIONS].find({"email_hash": email_hash}).sort("_id", 1)
    erasure = await db[ERASURES].find_one({"_id": email_hash})
    return {
        "recipients": [_recipient(r) for r in recipients],
        "suppressions": [
            {k: s.get(k) for k in ("campaign_id", "reason", "source", "suppressed_at")}
            async for s in suppressions
        ],
        "mails": [
            {
                "message": str(c["_id"]).removesuffix(f":{c['supporter_key']}"),
                "campaign_id": c.get("campaign_id"),
                "claimed_at": c.get("claimed_at"),
            }
            async for c in claims
        ],
        "erased_at": erasure["erased_at"] if erasure else None,
    }


def _recipient(doc: Document) -> dict[str, Any]:
    shown = {k: v for k, v in doc.items() if k not in ("_id", "email_hash", *TOKENS)}
    return {**shown, "link_tokens_held": [t for t in TOKENS if doc.get(t)]}
