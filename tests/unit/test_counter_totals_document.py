"""One shape of the totals and history documents (counter/domain/totals_document.py): what the
writer increments is what the API's reader shows, what the queries fetch, and what the reconcile
recount counts — for the totals and for the per-minute history alike."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from counter.adapters.campaigns import Campaign
from counter.application.reader import totals_from
from counter.domain import aggregation
from counter.domain.entries import Entry
from counter.domain.history import Window, points
from counter.domain.recount import drift, recount, stored
from counter.domain.totals_document import (
    HOUR,
    MINUTES,
    READ_HISTORY,
    READ_TOTALS,
    Counts,
    history_fields,
    hour_id,
    minute_increments,
)
from counter.schemas.totals import TotalsOut
from mobilise_events import Event, PledgeSigned, SignupConfirmed, VolunteerRegistered

AT = datetime(2026, 3, 8, 10, 41, 7, tzinfo=UTC)
CAMPAIGN = Campaign(
    id="c1", slug="femmes", kind="pledge", title={"fr": "F", "en": "F"},
    description={"fr": "", "en": ""}, goal=100, countries=(), status="open",
)  # fmt: skip


def signup(key: str, country: str, *, partner: str | None = None, volunteer: bool = False) -> Event:
    kind = VolunteerRegistered if volunteer else PledgeSigned
    return kind(
        signup_id=uuid.uuid4(), occurred_at=AT, campaign_id="c1", campaign_slug="femmes",
        supporter_key=key, email="a@example.org", first_name="A", country=country,
        region="FR-IDF" if country == "FR" else None, locale="fr", newsletter_opt_in=False,
        consent_text_version="v1", partner=partner, double_opt_in=True, unsubscribe_token="u",
    )  # fmt: skip


EVENTS: list[tuple[Event, str]] = [
    (signup("k1", "FR", partner="asso"), "p_0@0:0"),
    (signup("k2", "SN"), "p_0@0:1"),
    (signup("k3", "SN", volunteer=True), "v_0@0:0"),
    (SignupConfirmed(signup_id=uuid.uuid4(), campaign_id="c1", supporter_key="k1",
                     occurred_at=AT), "c_0@0:0"),
]  # fmt: skip
APPLIED = {"p_0": 2, "v_0": 1, "c_0": 1}  # every event above applied


def incremented(paths: dict[str, int], into: dict[str, Any]) -> None:
    """`$inc` as the database applies it."""
    for path, n in paths.items():
        *parents, leaf = path.split(".")
        node = into
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = node.get(leaf, 0) + n


def written() -> tuple[dict[str, Any], dict[str, dict[str, Any]], dict[str, Entry]]:
    """The totals document and the history documents the writer's increments make."""
    entries: dict[str, Entry] = {}
    totals: dict[str, Any] = {}
    history: dict[str, dict[str, Any]] = {}
    for event, pos in EVENTS:
        for c in aggregation.apply(entries, event, pos):
            incremented(c.increments(), totals)
            doc_id = hour_id(c.campaign_id, c.at)
            hour = history.setdefault(doc_id, history_fields(doc_id))
            incremented(minute_increments(c.at, c.counts()), hour)
    return totals, history, entries


def test_what_the_writer_increments_the_reader_shows_and_the_recount_counts() -> None:
    totals, _, entries = written()
    shown = totals_from({k: v for k, v in totals.items() if k in READ_TOTALS}, CAMPAIGN)
    assert (shown.signed, shown.confirmed, shown.volunteers) == (3, 1, 1)
    assert shown.by_country["SN"].model_dump() == {"signed": 2, "confirmed": 0, "volunteers": 1}
    assert shown.by_region["FR-IDF"].confirmed == 1
    assert shown.by_macro_region["Africa"].signed == 2
    assert shown.by_partner["asso"].model_dump() == {"signed": 1, "confirmed": 1, "volunteers": 0}
    assert drift(recount(entries.values(), APPLIED), stored(totals)) == []


def test_the_queries_fetch_every_field_the_api_shows_and_nothing_that_guards_writes() -> None:
    shown_from_document = set(TotalsOut.model_fields) - {"goal", "slug"}
    assert shown_from_document <= set(READ_TOTALS)
    assert {"applied", "version", "_id"}.isdisjoint(READ_TOTALS)
    assert set(READ_HISTORY) == {HOUR, MINUTES}


def test_what_the_writer_increments_per_minute_the_chart_shows() -> None:
    _, history, _ = written()
    (document,) = history.values()
    assert document[HOUR] == datetime(2026, 3, 8, 10, tzinfo=UTC)
    span = Window("minute", datetime(2026, 3, 8, 10, 40, tzinfo=UTC), AT)
    hours = [(d[HOUR], d[MINUTES]) for d in history.values()]
    assert points(span, hours) == [
        (datetime(2026, 3, 8, 10, 40, tzinfo=UTC), Counts()),
        (datetime(2026, 3, 8, 10, 41, tzinfo=UTC), Counts(3, 1, 1)),
    ]
