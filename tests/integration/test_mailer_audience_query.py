"""What the store answers to a mailing's audience read (mailer.repository.audience.of_campaign)
is what the plan filtered for itself before: the campaign's opted-in recipients, whole, and with
a language the store filters for (pushed down to PostgreSQL by FerretDB) only that language's."""

from __future__ import annotations

from typing import Any

from mailer.domain.planning import ERASED_AT
from mailer.repository import ERASURES, RECIPIENTS
from mailer.repository.audience import AudienceRepository
from mobilise_runtime.mongo import ServiceDatabase
from tests.erasure_timeline import ERASED_AT as ERASED
from tests.erasure_timeline import T1, T3


def _recipient(n: int, *, campaign: str = "c-1", **fields: Any) -> dict[str, Any]:
    return {
        "_id": f"{campaign}:key-{n}",
        "campaign_id": campaign,
        "supporter_key": f"key-{n}",
        "email": f"p{n}@example.org",
        "email_hash": f"hash-{n}",
        "first_name": f"P{n}",
        "locale": "fr",
        "newsletter_opt_in": True,
        "signed_at": T1,
        "confirmed_at": T1,
        "confirm_token": f"confirm-{n}",
        **fields,
    }


async def test_the_audience_read_answers_the_campaigns_opted_in_whole_and_of_one_language(
    database: ServiceDatabase,
) -> None:
    await database.db[RECIPIENTS].insert_many(
        [
            _recipient(0),
            _recipient(1, locale="en"),
            _recipient(2, locale="en", newsletter_opt_in=False),
            _recipient(3, locale="en", campaign="c-2"),
            _recipient(4, locale="ar"),
            # A new consent after her erasure, confirmed only before it.
            _recipient(5, locale="en", signed_at=T3),
        ]
    )
    await database.db[ERASURES].insert_one({"_id": "hash-5", "erased_at": ERASED})
    audience = AudienceRepository(database.db)

    async def keys(**asked: Any) -> dict[str, Any]:
        return {r["supporter_key"]: r async for r in audience.of_campaign("c-1", **asked)}

    everyone = await keys(confirmed_only=False)
    assert sorted(everyone) == ["key-0", "key-1", "key-4", "key-5"]
    assert everyone["key-0"]["confirm_token"] == "confirm-0", "whole documents"
    english = await keys(confirmed_only=True, locale="en")
    assert sorted(english) == ["key-1", "key-5"]
    assert english["key-5"][ERASED_AT] == ERASED
    assert ERASED_AT not in english["key-1"]
    assert sorted(await keys(confirmed_only=False, locale="ro")) == []
