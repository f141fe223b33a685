"""Who may call each console route: deps.SessionDep / deps.FormSessionDep (a signed-in organiser;
a form post also needs its CSRF token), or one of these public routes (signing in, probes,
static files). tests/unit/test_access_rules.py fails on a route that declares neither."""

from __future__ import annotations

from mobilise_runtime.access import API_PUBLIC_ROUTES

# The console serves no OpenAPI docs: its probes and metrics only.
_DOCS = {"GET /openapi.json", "GET /docs", "GET /docs/oauth2-redirect", "GET /redoc"}
PUBLIC_ROUTES = (API_PUBLIC_ROUTES - _DOCS) | frozenset(
    {
        "MOUNT /static",
        "GET /",
        "GET /sign-in",
        "POST /sign-in",
        "POST /sign-in/token",
        "GET /sign-in/{token}",
        "POST /sign-in/{token}",
    }
)
