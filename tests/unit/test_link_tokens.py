"""The links we email (mobilise_runtime.link_tokens): minted by the mailer for a signup, opened by
the signup service, with the same keys. No I/O."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from cryptography.fernet import Fernet

from devstack.harness.events import signed
from mobilise_runtime.link_tokens import (
    ConfirmClaim,
    TokenExpired,
    TokenInvalid,
    Tokens,
    UnsubscribeClaim,
)


def new_key() -> str:
    return Fernet.generate_key().decode()


MAX_AGE_S = 30 * 86_400
CONFIRM = ConfirmClaim(uuid.uuid4(), "campaign-1", "k" * 64)
UNSUBSCRIBE = UnsubscribeClaim("Awa@example.org", "campaign-1")


class FrozenClock:
    """Stands in for the `time` module inside cryptography.fernet: tokens made and read at will."""

    def __init__(self, at: float) -> None:
        self.now = at

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    frozen = FrozenClock(time.time())
    monkeypatch.setattr("cryptography.fernet.time", SimpleNamespace(time=frozen.time))
    return frozen


def test_confirm_token_round_trip() -> None:
    tokens = Tokens(new_key(), confirm_max_age_s=MAX_AGE_S)
    token = tokens.confirm_token(CONFIRM)
    assert tokens.read_confirm(token) == CONFIRM
    # Encrypted: the link gives away neither the ids nor the key.
    assert CONFIRM.campaign_id not in token
    assert str(CONFIRM.signup_id) not in token


def test_unsubscribe_token_round_trip_with_and_without_a_campaign() -> None:
    tokens = Tokens(new_key(), confirm_max_age_s=MAX_AGE_S)
    assert tokens.read_unsubscribe(tokens.unsubscribe_token(UNSUBSCRIBE)) == UNSUBSCRIBE
    everywhere = UnsubscribeClaim("awa@example.org", None)
    assert tokens.read_unsubscribe(tokens.unsubscribe_token(everywhere)) == everywhere
    assert "example.org" not in tokens.unsubscribe_token(UNSUBSCRIBE)


def test_confirm_token_expires(clock: FrozenClock) -> None:
    tokens = Tokens(new_key(), confirm_max_age_s=MAX_AGE_S)
    token = tokens.confirm_token(CONFIRM)
    clock.now += MAX_AGE_S - 60
    assert tokens.read_confirm(token) == CONFIRM
    clock.now += 120
    with pytest.raises(TokenExpired, match="this link has expired"):
        tokens.read_confirm(token)


def test_unsubscribe_token_never_expires(clock: FrozenClock) -> None:
    tokens = Tokens(new_key(), confirm_max_age_s=MAX_AGE_S)
    token = tokens.unsubscribe_token(UNSUBSCRIBE)
    clock.now += 10 * 365 * 86_400
    assert tokens.read_unsubscribe(token) == UNSUBSCRIBE


def test_token_made_with_encrypt_at_time_in_the_past_is_expired() -> None:
    """The same, without a patched clock: a token sealed 31 days ago by the same key."""
    key = new_key()
    tokens = Tokens(key, confirm_max_age_s=MAX_AGE_S)
    fresh = tokens.confirm_token(CONFIRM)
    payload = Fernet(key).decrypt(fresh)
    old = Fernet(key).encrypt_at_time(payload, int(time.time()) - 31 * 86_400).decode()
    with pytest.raises(TokenExpired):
        tokens.read_confirm(old)


def _tamper(token: str) -> str:
    middle = len(token) // 2
    return token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "garbage",
        "gAAAAABnot-a-real-token",
        "ü-not-ascii",
        Fernet.generate_key().decode(),
    ],
)
def test_garbage_tokens_are_invalid(bad: str) -> None:
    tokens = Tokens(new_key(), confirm_max_age_s=MAX_AGE_S)
    with pytest.raises(TokenInvalid, match="this link is not valid"):
        tokens.read_confirm(bad)
    with pytest.raises(TokenInvalid, match="this link is not valid"):
        tokens.read_unsubscribe(bad)


def test_tampered_tokens_are_invalid() -> None:
    tokens = Tokens(new_key(), confirm_max_age_s=MAX_AGE_S)
    with pytest.raises(TokenInvalid):
        tokens.read_confirm(_tamper(tokens.confirm_token(CONFIRM)))
    with pytest.raises(TokenInvalid):
        tokens.read_unsubscribe(_tamper(tokens.unsubscribe_token(UNSUBSCRIBE)))


def test_a_token_reads_only_with_its_key_and_as_its_kind() -> None:
    ours = Tokens(new_key(), confirm_max_age_s=MAX_AGE_S)
    theirs = Tokens(new_key(), confirm_max_age_s=MAX_AGE_S)
    refused: list[Callable[[], object]] = [
        lambda: ours.read_confirm(theirs.confirm_token(CONFIRM)),
        lambda: ours.read_unsubscribe(theirs.unsubscribe_token(UNSUBSCRIBE)),
        lambda: ours.read_unsubscribe(ours.confirm_token(CONFIRM)),
        lambda: ours.read_confirm(ours.unsubscribe_token(UNSUBSCRIBE)),
    ]
    for read in refused:
        with pytest.raises(TokenInvalid):
            read()


def test_key_rotation_keeps_old_links_working() -> None:
    old_key, new = new_key(), new_key()
    before = Tokens(old_key, confirm_max_age_s=MAX_AGE_S)
    confirm, unsubscribe = before.confirm_token(CONFIRM), before.unsubscribe_token(UNSUBSCRIBE)

    rotated = Tokens(f"{new}, {old_key}", confirm_max_age_s=MAX_AGE_S)
    assert rotated.read_confirm(confirm) == CONFIRM
    assert rotated.read_unsubscribe(unsubscribe) == UNSUBSCRIBE
    # The first key signs: a new link does not open with the old key alone.
    with pytest.raises(TokenInvalid):
        before.read_confirm(rotated.confirm_token(CONFIRM))
    assert Tokens(new, confirm_max_age_s=MAX_AGE_S).read_confirm(rotated.confirm_token(CONFIRM))


@pytest.mark.parametrize("keys", ["", " , ", "not-a-fernet-key", f"{new_key()},short"])
def test_bad_key_configuration_is_refused(keys: str) -> None:
    with pytest.raises(ValueError, match="token key"):
        Tokens(keys, confirm_max_age_s=MAX_AGE_S)


# A signup's links, as the mailer mints them -----------------------------------------------------


def test_a_signup_without_links_gets_links_that_open_to_its_own_claims() -> None:
    tokens = Tokens(new_key(), confirm_max_age_s=MAX_AGE_S)
    signup = signed(double_opt_in=True, email="Awa.Diop@example.org")
    assert (signup.schema_version, signup.confirm_token, signup.unsubscribe_token) == (
        2,
        None,
        None,
    )
    links = tokens.signup_links(signup)
    assert links.confirm_token is not None
    confirm = tokens.read_confirm(links.confirm_token)
    assert confirm == ConfirmClaim(signup.signup_id, signup.campaign_id, signup.supporter_key)
    leave = tokens.read_unsubscribe(links.unsubscribe_token)
    assert leave == UnsubscribeClaim("Awa.Diop@example.org", signup.campaign_id)


def test_without_double_opt_in_there_is_no_confirm_link() -> None:
    tokens = Tokens(new_key(), confirm_max_age_s=MAX_AGE_S)
    links = tokens.signup_links(signed(double_opt_in=False))
    assert links.confirm_token is None
    assert tokens.read_unsubscribe(links.unsubscribe_token).campaign_id == "c-1"


def test_a_signup_of_schema_version_1_keeps_the_links_it_carries() -> None:
    """Minted by the signup service before version 2, still in the topics: mailed as they are."""
    old = Tokens(new_key(), confirm_max_age_s=MAX_AGE_S)
    confirm, leave = old.confirm_token(CONFIRM), old.unsubscribe_token(UNSUBSCRIBE)
    signup = signed(
        schema_version=1, double_opt_in=True, confirm_token=confirm, unsubscribe_token=leave
    )
    links = Tokens(new_key(), confirm_max_age_s=MAX_AGE_S).signup_links(signup)
    assert (links.confirm_token, links.unsubscribe_token) == (confirm, leave)


def test_a_minted_confirm_link_expires_counted_from_the_signup() -> None:
    """Dated when the signup was made, as when the signup service minted it: a late or replayed
    signup gets no longer-lived link."""
    tokens = Tokens(new_key(), confirm_max_age_s=MAX_AGE_S)
    now = datetime.now(UTC)
    recent = signed(double_opt_in=True, occurred_at=now - timedelta(days=29))
    recent_link = tokens.signup_links(recent).confirm_token
    assert recent_link is not None
    assert tokens.read_confirm(recent_link).signup_id == recent.signup_id
    old = signed(double_opt_in=True, occurred_at=now - timedelta(days=31))
    old_link = tokens.signup_links(old).confirm_token
    assert old_link is not None
    with pytest.raises(TokenExpired):
        tokens.read_confirm(old_link)
    # The unsubscribe link of the same old signup works: it never expires.
    assert tokens.read_unsubscribe(tokens.signup_links(old).unsubscribe_token).email


def test_links_minted_with_rotated_keys_open_with_the_signing_key() -> None:
    old_key, new = new_key(), new_key()
    mailer = Tokens(f"{new},{old_key}", confirm_max_age_s=MAX_AGE_S)
    links = mailer.signup_links(signed(double_opt_in=True))
    assert links.confirm_token is not None
    Tokens(new, confirm_max_age_s=MAX_AGE_S).read_confirm(links.confirm_token)
    with pytest.raises(TokenInvalid):
        Tokens(old_key, confirm_max_age_s=MAX_AGE_S).read_unsubscribe(links.unsubscribe_token)
