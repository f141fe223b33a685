"""Every in-process cache holds a bounded number of entries whatever it is asked (issue #12,
point 4): keys that anyone can make up (a widget's `partner=`) must not grow a process's memory."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any, cast

from counter.application.apply import KNOWN_MAX, KnownOffsets
from counter.repository.totals import GuardedDocuments
from mobilise_runtime.cache import TimedCache
from mobilise_runtime.locks import LOCKS
from signup.repository.partners import MAX_CACHED, PartnerRepository

ASKED = 50_000


class NoPartners:
    """The partners collection of a database that has none."""

    async def find_one(self, _query: dict[str, Any]) -> None:
        return None


class NoDocuments:
    async def applied(self, ids: Iterable[str]) -> dict[str, dict[str, int]]:
        return {}


async def test_random_partner_keys_leave_the_partner_cache_at_its_bound() -> None:
    # No partner is changed: the locks' collection is never used.
    repository = PartnerRepository(cast(Any, {"partners": NoPartners(), LOCKS: None}))
    for _ in range(ASKED):
        assert await repository.get_cached(secrets.token_hex(8)) is None
    assert len(repository._cache) == MAX_CACHED


async def test_the_counters_known_offsets_stay_at_their_bound() -> None:
    known = KnownOffsets(cast(GuardedDocuments, NoDocuments()))
    for start in range(0, ASKED, 500):
        # One history document a campaign an hour: new ids keep coming for as long as it runs.
        ids = [f"campaign:2026-03-08T{n}" for n in range(start, start + 500)]
        assert await known.applied(ids) == {i: {} for i in ids}
    assert len(known._known) == KNOWN_MAX


def test_a_timed_cache_forgets_what_expired_and_the_oldest_beyond_its_bound() -> None:
    now = [0.0]
    cache: TimedCache[str, bool] = TimedCache(max_entries=3, clock=lambda: now[0])
    for key in "abcd":
        cache.put(key, True, keep_s=10)
    assert len(cache) == 3
    assert cache.fresh("a") is None
    assert cache.fresh("d") == (True,)
    now[0] = 10.0
    assert cache.fresh("d") is None
