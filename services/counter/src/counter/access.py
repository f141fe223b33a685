"""Who may call each route of the counter: anyone. Its API and dashboard give aggregate numbers
only (no personal data; the supporters' records are the signup service's), so there is no
organiser route here. A route added to the counter must be listed below — or, if it is not for
everyone, guarded by an access rule (mobilise_runtime.access) like the signup service's:
tests/unit/test_access_rules.py fails on a route that declares none."""

from __future__ import annotations

from mobilise_runtime.access import API_PUBLIC_ROUTES

PUBLIC_ROUTES = API_PUBLIC_ROUTES | frozenset(
    {
        "MOUNT /static",
        "GET /api/v1/campaigns/{slug}/totals",
        "GET /api/v1/campaigns/{slug}/history",
        "GET /api/v1/campaigns/{slug}/totals/stream",
        "GET /dashboard/{slug}",
        "GET /dashboard/{slug}/breakdown",
    }
)
