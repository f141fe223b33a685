"""The one checker of the fault suite: after the load, the counter's totals must settle (bounded
polling) at exactly what the accepted pledges say — per campaign, country, region, macro-region."""

from __future__ import annotations

import time
from typing import Any

import httpx

from counter.domain.m49 import macro_region
from tests.faults.load import Confirm, Pledge

Totals = dict[str, Any]
DIMENSIONS = ("by_country", "by_region", "by_macro_region", "by_partner")


def expected(
    accepted: list[Pledge], confirmed: list[Confirm], slug: str, *, double_opt_in: bool
) -> Totals:
    """A supporter (an email) counts once; confirmed once, if the campaign has no double opt-in or
    any confirmation of theirs was accepted."""
    totals: Totals = {"signed": 0, "confirmed": 0, "volunteers": 0, **{d: {} for d in DIMENSIONS}}
    seen: set[str] = set()
    confirming = {c.email for c in confirmed if c.campaign == slug}
    for pledge in accepted:
        if pledge.campaign != slug or pledge.email in seen:
            continue
        seen.add(pledge.email)
        confirms = not double_opt_in or pledge.email in confirming
        moves = {"signed": 1, "confirmed": int(confirms), "volunteers": 0}
        places = {
            "by_country": pledge.country,
            "by_region": pledge.region,
            "by_macro_region": macro_region(pledge.country),
        }
        for name, n in moves.items():
            totals[name] += n
        for dimension, key in places.items():
            if key is None:
                continue
            counts = totals[dimension].setdefault(
                key, {"signed": 0, "confirmed": 0, "volunteers": 0}
            )
            for name, n in moves.items():
                counts[name] += n
    return totals


def shown(counter_url: str, slug: str) -> Totals | None:
    try:
        response = httpx.get(f"{counter_url}/api/v1/campaigns/{slug}/totals", timeout=5)
    except httpx.TransportError:
        return None
    if response.status_code != 200:
        return None
    got = response.json()
    return {
        k: got[k] if k not in DIMENSIONS else _nonzero(got[k])
        for k in ("signed", "confirmed", "volunteers", *DIMENSIONS)
    }


def _nonzero(counts: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    return {key: c for key, c in counts.items() if any(c.values())}


def settle(counter_url: str, want: dict[str, Totals], *, timeout: float, seed: int) -> float:
    """Waits until every campaign shows exactly `want`; returns how long it took. A total above
    what was accepted is a failure at once (a count never goes back down)."""
    started = time.monotonic()
    got: dict[str, Totals | None] = {}
    while True:
        got = {slug: shown(counter_url, slug) for slug in want}
        if got == want:
            return time.monotonic() - started
        for slug, totals in got.items():
            if totals is not None and totals["signed"] > want[slug]["signed"]:
                raise AssertionError(f"seed {seed}: {slug} counts more than accepted: {totals}")
        if time.monotonic() - started > timeout:
            raise AssertionError(
                f"seed {seed}: totals not exact after {timeout} s:\nexpected {want}\nshown    {got}"
            )
        time.sleep(0.5)
