"""A stand-in for the counter's GET /api/v1/campaigns/{slug}/totals (DESIGN.md's contract), for
testing the signup pages' progress bar before and apart from the counter service."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.json_standin import json_standin


@contextmanager
def counter_totals(totals: dict[str, dict[str, Any]]) -> Iterator[str]:
    """Serves `totals[slug]` (404 for a slug it lacks; fill it in at any time); yields the URL."""

    def slug(path: str) -> str:
        return path.removeprefix("/api/v1/campaigns/").removesuffix("/totals")

    with json_standin(totals, slug) as stand_in:
        yield stand_in.url


def totals_of(slug: str, *, goal: int, signed: int) -> dict[str, Any]:
    return {
        "slug": slug,
        "goal": goal,
        "signed": signed,
        "confirmed": 0,
        "volunteers": 0,
        "by_country": {},
        "by_region": {},
        "by_macro_region": {},
        "by_partner": {},
        "updated_at": "2026-03-08T10:00:00Z",
    }
