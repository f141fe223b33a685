"""Who may call each route, declared once and read back from the route table.

Every route of every service has exactly one access rule: either a dependency marked with
`access_rule("…")` (an organiser, an admin, an organiser of the campaign the path names, …) or a
place in the service's list of public routes. `route_access()` reads them back from the app, so
that a test can call every guarded route as every kind of stranger, and fail on a route that
declares no rule (or two)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts

PUBLIC = "public"
# What every API serves to anyone: its OpenAPI docs, probes and metrics.
API_PUBLIC_ROUTES = frozenset(
    {
        "GET /openapi.json",
        "GET /docs",
        "GET /docs/oauth2-redirect",
        "GET /redoc",
        "GET /healthz",
        "GET /readyz",
        "GET /metrics",
    }
)
_MARK = "__mobilise_access_rule__"
Dependency = TypeVar("Dependency", bound=Callable[..., Any])


def access_rule(name: str) -> Callable[[Dependency], Dependency]:
    """Mark a dependency as the access rule `name`: a route that depends on it is guarded by it
    (the rules it depends on itself are its own business: only the outermost one counts)."""

    def mark(dependency: Dependency) -> Dependency:
        setattr(dependency, _MARK, name)
        return dependency

    return mark


@dataclass(frozen=True)
class RouteAccess:
    method: str
    path: str
    # Empty: the route declares no rule; more than one: it declares contradicting rules.
    rules: frozenset[str]

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


def _rules(dependant: Dependant | None) -> Iterator[str]:
    for dependency in dependant.dependencies if dependant else ():
        rule = getattr(dependency.call, _MARK, None)
        if rule is not None:
            yield rule
        else:
            yield from _rules(dependency)


def route_access(app: FastAPI, public: Collection[str]) -> list[RouteAccess]:
    """Every route of `app` (one per method; HEAD goes with GET) with its rules. `public` lists
    the routes anyone may call, as "METHOD /path" ("MOUNT /path" for a mounted app)."""
    found = []
    for route in iter_route_contexts(app.routes):
        rules = set(_rules(getattr(route, "dependant", None)))
        path = str(route.path)
        for method in sorted(route.methods or {"MOUNT"}):
            if method == "HEAD":
                continue
            marked = rules | ({PUBLIC} if f"{method} {path}" in public else set())
            found.append(RouteAccess(method, path, frozenset(marked)))
    return found
