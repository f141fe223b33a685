"""Writes of the signup service racing on one document, each through its own client as separate
API processes would: a compare-and-set has one winner, a revocation stays, no change undoes
another. FerretDB 1.24 does a filtered update by reading the document and writing it back whole
(two racing writers both "win", the last write stays whole); the repositories hold the
documents' locks (mobilise_runtime.locks) around their writes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mobilise_runtime.mongo import ServiceDatabase
from signup.domain.campaigns import Campaign, Localised
from signup.domain.errors import AlreadyExists, Anonymised
from signup.repository import Repository
from signup.repository.partners import Partner
from tests.integration.racing import together

TRIALS = 8  # each on a new document: one lost write in any fails
REFUSED = (AlreadyExists, Anonymised)


@pytest.fixture
def repositories(racers: list[ServiceDatabase]) -> list[Repository]:
    return [Repository(r) for r in racers]


async def test_reverts_of_one_invalidation_racing_one_wins(
    database: ServiceDatabase, repositories: list[Repository]
) -> None:
    for trial in range(TRIALS):
        invalidation_id = uuid.uuid4()
        record = {"_id": str(invalidation_id), "campaign_id": "c", "state": "applied"}
        await repositories[0].invalidations.create(record, ["k1", "k2"])
        outcomes = await together(
            REFUSED,
            [
                r.invalidations.set_state(
                    invalidation_id, {"state": "reverted", "reverted_by": str(n)}, was="applied"
                )
                for n, r in enumerate(repositories)
            ],
        )
        won = [n for n, o in enumerate(outcomes) if not isinstance(o, AlreadyExists)]
        stored = await repositories[0].invalidations.get("c", invalidation_id)
        assert len(won) == 1, (trial, outcomes)
        assert (stored["state"], stored["reverted_by"]) == ("reverted", str(won[0]))


NOW = datetime.now(UTC)


async def sign_ins_racing(
    repositories: list[Repository], email: str, other: Callable[[Repository, str, str], Any]
) -> tuple[str, str, list[str]]:
    """An organiser is created; then the first racer does `other` (with the organiser's id and
    first token) while every other racer signs in. (id, first token, the sign-ins' tokens)."""
    who, first = await repositories[0].organisers.create(name="O", email=email, now=NOW)
    doing, *signing_in = repositories
    later = NOW + timedelta(hours=1)
    outcomes = await together(
        REFUSED,
        [
            other(doing, who.id, first),
            *(r.organisers.session_token(who.id, expires_at=later) for r in signing_in),
        ],
    )
    return who.id, first, [t for t in outcomes[1:] if t is not None]


async def test_sign_ins_racing_a_revocation_never_undo_it(
    repositories: list[Repository],
) -> None:
    """Sign-ins (a session token each) at the moment an admin revokes the organiser: after it,
    no token of theirs works, neither the old one nor any new one."""
    organisers = repositories[0].organisers
    for trial in range(TRIALS):
        who, first, new = await sign_ins_racing(
            repositories,
            f"o{trial}@example.org",
            lambda r, who, _: r.organisers.revoke(who, now=NOW),
        )
        working = [t for t in [first, *new] if await organisers.by_token(t, now=NOW) is not None]
        assert working == [], (trial, len(working), await organisers.get(who))
        assert (await organisers.get(who)).revoked_at is not None


async def test_sign_ins_and_a_sign_out_racing_each_keep_their_token(
    repositories: list[Repository],
) -> None:
    """Each sign-in's token works after them all, and the one signed out does not."""
    organisers = repositories[0].organisers
    for trial in range(TRIALS):
        _, first, new = await sign_ins_racing(
            repositories,
            f"s{trial}@example.org",
            lambda r, _, token: r.organisers.drop_token(token),
        )
        assert len(new) == len(repositories) - 1
        assert await organisers.by_token(first, now=NOW) is None, trial
        for token in new:
            assert await organisers.by_token(token, now=NOW) is not None, trial


def campaign(slug: str, closes_at: datetime) -> Campaign:
    return Campaign(
        id=uuid.uuid4().hex,
        slug=slug,
        kind="pledge",
        title=Localised({"fr": "C"}),
        description=Localised({}),
        goal=10,
        countries=(),
        double_opt_in=False,
        opens_at=None,
        closes_at=closes_at,
        closed=False,
        consent_text_versions=("v1",),
        created_at=closes_at,
        updated_at=closes_at,
        created_by="admin",
    )


async def test_a_reopening_racing_the_anonymisation_is_refused_or_comes_first(
    database: ServiceDatabase, repositories: list[Repository]
) -> None:
    """An organiser moves a closed campaign's closing date on while signup-retention marks it
    anonymised: either the move comes first (the campaign is no longer due, and stays unmarked)
    or it is refused (the campaign stays marked and closed)."""
    now = datetime.now(UTC)
    closed_at, later = now - timedelta(days=200), now + timedelta(days=30)
    organiser, retention = repositories[0], repositories[1]
    for trial in range(TRIALS):
        slug = f"c-{trial}-{uuid.uuid4().hex[:6]}"
        await organiser.campaigns.create(campaign(slug, closed_at))
        moved, marked = await together(
            REFUSED,
            [
                organiser.campaigns.update(slug, {"closes_at": later}, now=now),
                retention.anonymisation.mark_closed_before(now - timedelta(days=180), now=now),
            ],
        )
        doc = await database.db["campaigns"].find_one({"slug": slug}) or {}
        if isinstance(moved, Anonymised):
            assert (marked, "anonymised_at" in doc, doc["closed"]) == (1, True, True), (trial, doc)
            assert doc["closes_at"] == closed_at.replace(
                microsecond=closed_at.microsecond // 1000 * 1000
            )
        else:
            assert (marked, "anonymised_at" in doc) == (0, False), (trial, marked, doc)
            assert doc["closes_at"] > now, (trial, doc)


async def test_changes_of_one_partner_racing_all_stay(
    database: ServiceDatabase, repositories: list[Repository]
) -> None:
    """Organisers changing different fields of one partner at once: every change stays."""
    now = datetime.now(UTC)
    for trial in range(TRIALS):
        key = f"p-{trial}-{uuid.uuid4().hex[:6]}"
        await repositories[0].partners.create(
            Partner(key, "P", (), (), created_at=now, updated_at=now, created_by="admin")
        )
        changes: list[dict[str, Any]] = [
            {"name": "Renamed"},
            {"campaigns": ["c-1"]},
            {"origins": ["https://example.org"]},
            {"name": "Renamed"},
        ]
        await together(
            REFUSED,
            [
                r.partners.update(key, c, now=now)
                for r, c in zip(repositories, changes, strict=True)
            ],
        )
        doc = await database.db["partners"].find_one({"_id": key}) or {}
        assert (doc["name"], doc["campaigns"], doc["origins"]) == (
            "Renamed",
            ["c-1"],
            ["https://example.org"],
        ), (trial, doc)
