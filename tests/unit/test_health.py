from __future__ import annotations

import asyncio

from fastapi import FastAPI
from fastapi.testclient import TestClient

from mobilise_runtime.health import health_router
from mobilise_runtime.metrics import instrument


async def fine() -> None:
    return None


async def refused() -> None:
    raise ConnectionRefusedError("connection refused")


async def hangs() -> None:
    await asyncio.sleep(3600)


def client(**checks: object) -> TestClient:
    app = FastAPI()
    app.include_router(health_router(checks, timeout=0.2))  # type: ignore[arg-type]
    instrument(app, "test")
    return TestClient(app)


def test_ready_when_every_check_passes() -> None:
    response = client(kafka=fine, mongo=fine).get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"kafka": "ok", "mongo": "ok"}}


def test_not_ready_names_the_failing_dependency() -> None:
    response = client(kafka=fine, mongo=refused).get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "kafka": "ok",
        "mongo": "ConnectionRefusedError: connection refused",
    }


def test_a_hanging_dependency_is_not_ready_within_the_timeout() -> None:
    response = client(redis=hangs).get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == "no answer within 0.2s"


def test_alive_does_not_depend_on_dependencies() -> None:
    assert client(mongo=refused).get("/healthz").json() == {"status": "ok"}


def test_metrics_count_requests_by_route_template() -> None:
    c = client(kafka=fine)
    c.get("/readyz")
    body = c.get("/metrics").text
    assert (
        'mobilise_http_requests_total{method="GET",route="/readyz",service="test",status="200"}'
        in body
    )
