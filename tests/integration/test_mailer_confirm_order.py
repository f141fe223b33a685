"""A confirmation confirms the recipient only if made after the person's last erasure, in
whichever order the mailer reads the signups, the erasure and the confirmations (three topics),
and read again: Awa signs (double opt-in) and confirms, is erased, then signs again and does not
confirm — a mailing to the confirmed only must leave her out until she confirms the new signup.
The consumer's handler runs against the real FerretDB; the audience is read as planning reads it."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from devstack.harness.events import as_batch, signed
from mailer.domain.planning import in_audience
from mailer.repository.audience import AudienceRepository
from mobilise_events import Audience, Event, Signup, SignupConfirmed
from mobilise_runtime.mongo import ServiceDatabase
from tests.erasure_timeline import T1, T3, erasure
from tests.integration.test_erasure_order import KEY, Tasks, mailer_consumer


def _signup(at: object, token: str) -> Signup:
    return signed(supporter_key=KEY, occurred_at=at, double_opt_in=True, confirm_token=token)


def _confirmation(signup: Signup, after: timedelta) -> SignupConfirmed:
    return SignupConfirmed(
        signup_id=signup.signup_id, campaign_id=signup.campaign_id,
        supporter_key=signup.supporter_key, occurred_at=signup.occurred_at + after,
    )  # fmt: skip


OLD = _signup(T1, "old")
CONFIRMED_OLD = _confirmation(OLD, timedelta(hours=1))
ERASURE = erasure(KEY)
NEW = _signup(T3, "new")
EVENTS: dict[str, Event] = {"old": OLD, "confirmed": CONFIRMED_OLD, "erased": ERASURE, "new": NEW}
# The two signups share a topic and a partition (key: the campaign): the old one is read first.
ORDERS = [o for o in itertools.permutations(EVENTS) if o.index("old") < o.index("new")]


async def _audience(database: ServiceDatabase, *, confirmed_only: bool) -> list[str]:
    audience = Audience(confirmed_only=confirmed_only)
    read = AudienceRepository(database.db).of_campaign("c-1")
    return [r["confirm_token"] async for r in read if in_audience(r, audience)]


@pytest.mark.parametrize("order", ORDERS, ids="-".join)
async def test_a_confirmation_before_the_erasure_does_not_confirm_the_signup_after_it(
    database: ServiceDatabase, order: tuple[str, ...]
) -> None:
    handler = mailer_consumer(database, Tasks())
    for _ in range(2):  # read, then replayed
        for name in order:
            await handler.handle(as_batch(EVENTS[name]))
        assert await _audience(database, confirmed_only=False) == ["new"]
        assert await _audience(database, confirmed_only=True) == []
    # Her confirmation of the new signup confirms it, whatever was read before.
    await handler.handle(as_batch(_confirmation(NEW, timedelta(minutes=5))))
    assert await _audience(database, confirmed_only=True) == ["new"]
