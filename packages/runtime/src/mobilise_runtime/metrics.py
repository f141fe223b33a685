"""Prometheus metrics: request counts and latencies for every API, served at /metrics."""

from __future__ import annotations

import time
from collections.abc import Callable

from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUESTS = Counter(
    "mobilise_http_requests_total",
    "HTTP requests handled",
    ["service", "method", "route", "status"],
)
LATENCY = Histogram(
    "mobilise_http_request_seconds", "HTTP request latency", ["service", "method", "route"]
)


class RequestSeries:
    """A service's request count and latency series (a path answered in front of the app, such
    as counter-api's totals, records its own requests in one). Each series' children are looked
    up once (prometheus_client's labels() validates and locks on every call: a tenth of a cached
    GET's time)."""

    def __init__(self, service: str) -> None:
        self.service = service
        self._series: dict[
            tuple[str, str, str], tuple[Callable[[], None], Callable[[float], None]]
        ] = {}

    def record(self, method: str, route: str, status: int, started: float) -> None:
        """A request to `route` (its template, not the raw path: one series per endpoint, not
        per slug) answered `status`, begun at perf_counter() `started`."""
        key = (method, route, str(status))
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = (
                REQUESTS.labels(self.service, method, route, key[2]).inc,
                LATENCY.labels(self.service, method, route).observe,
            )
        count, observe = series
        count()
        observe(time.perf_counter() - started)


class _Observe:
    """Plain ASGI middleware: Starlette's BaseHTTPMiddleware would cost more than the intake."""

    def __init__(self, app: ASGIApp, *, series: RequestSeries) -> None:
        self.app = app
        self.series = series

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            self.series.record(scope["method"], route, status, started)


def instrument(app: FastAPI, service: str) -> None:
    app.add_middleware(_Observe, series=RequestSeries(service))

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
