"""Organisers' expired tokens are pruned (FerretDB): each console sign-in adds a token that
expires, and its hash and expiry used to stay in the organiser's record for ever. A sign-in drops
the signing-in organiser's expired ones; signup-retention drops everyone's; tokens that have not
expired, and tokens without an expiry, stay and keep working."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet

from devstack.config import StackConfig
from mobilise_runtime.link_tokens import SignInClaim, Tokens
from mobilise_runtime.mongo import Document, ServiceDatabase
from mobilise_runtime.retention import RetentionPolicy
from mobilise_runtime.settings import SharedSettings
from signup.application import sign_in
from signup.entrypoints import retention
from signup.repository import Repository
from signup.repository.organisers import token_hash
from signup.settings import Settings, StoreSettings

pytestmark = pytest.mark.integration
NOW = datetime(2026, 3, 8, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


async def stored(database: ServiceDatabase, organiser_id: str) -> Document:
    doc = await database.db["organisers"].find_one({"_id": organiser_id})
    assert doc is not None
    return doc


async def organiser_with_sessions(repository: Repository, email: str) -> tuple[str, list[str]]:
    """An organiser (its first token never expires) with two sessions over and one not."""
    organiser, first = await repository.organisers.create(name="Awa", email=email, now=NOW)
    tokens = [first]
    for expires_at in (NOW - 2 * HOUR, NOW - HOUR, NOW + HOUR):
        token = await repository.organisers.session_token(organiser.id, expires_at=expires_at)
        assert token is not None
        tokens.append(token)
    return organiser.id, tokens


async def test_expired_tokens_are_pruned_and_the_others_kept(
    stack: StackConfig, database: ServiceDatabase
) -> None:
    repository = Repository(database)
    await repository.organisers.ensure_indexes()
    awa, (first, *_, current) = await organiser_with_sessions(repository, "awa@association.example")
    binta, binta_tokens = await organiser_with_sessions(repository, "binta@association.example")

    assert await repository.organisers.prune_expired_tokens(now=NOW, organiser_id=awa) == 2
    doc = await stored(database, awa)
    assert sorted(doc["token_hashes"]) == sorted([token_hash(first), token_hash(current)])
    assert set(doc["token_expiry"]) == {token_hash(current)}
    for token in (first, current):
        assert await repository.organisers.by_token(token, now=NOW) is not None
    # Only the organiser named: the other's expired tokens are still there.
    assert len((await stored(database, binta))["token_hashes"]) == 4
    assert await repository.organisers.prune_expired_tokens(now=NOW, organiser_id=awa) == 0

    # signup-retention: everyone's.
    settings = StoreSettings(
        mongo_database=database.db.name, shared=SharedSettings(mongo_url=stack.mongo_url)
    )
    removed = await retention.apply(settings, RetentionPolicy(), NOW)
    assert removed["expired organiser tokens"] == 2
    assert len((await stored(database, binta))["token_hashes"]) == 2
    assert (await retention.apply(settings, RetentionPolicy(), NOW))[
        "expired organiser tokens"
    ] == 0
    assert await repository.organisers.by_token(binta_tokens[-1], now=NOW) is not None


async def test_signing_in_drops_the_organisers_expired_sessions(database: ServiceDatabase) -> None:
    repository = Repository(database)
    awa, (first, *_) = await organiser_with_sessions(repository, "awa@association.example")
    keys = Fernet.generate_key().decode()
    tokens = Tokens(keys, confirm_max_age_s=86_400)
    settings = Settings(token_keys=keys, supporter_key_secret="s")
    link = tokens.sign_in_token(SignInClaim(awa, "nonce-1"))
    now = datetime.now(UTC)  # the link was minted now: it has not expired
    session = await sign_in.redeem(
        settings=settings, repository=repository, tokens=tokens, token=link, now=now
    )
    doc = await stored(database, awa)
    kept = {token_hash(first), token_hash(session.token)}
    # Every session of the organiser had expired long before `now`.
    assert set(doc["token_hashes"]) == kept
    assert set(doc["token_expiry"]) == {token_hash(session.token)}
    assert await repository.organisers.by_token(session.token, now=now) is not None
