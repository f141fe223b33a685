"""Liveness and readiness endpoints: /healthz says the process answers, /readyz that its
dependencies (Kafka, Mongo, Redis — whichever it uses) answer too."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from mobilise_runtime.logging import get_logger

Check = Callable[[], Awaitable[None]]
log = get_logger(__name__)


async def _run(name: str, check: Check, limit: float) -> tuple[str, str]:
    try:
        await asyncio.wait_for(check(), limit)
    except TimeoutError:
        return name, f"no answer within {limit:g}s"
    except Exception as exc:  # any failure of a dependency means "not ready", with its reason
        return name, f"{type(exc).__name__}: {exc}"
    return name, "ok"


def health_router(checks: Mapping[str, Check], timeout: float) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz", summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/readyz",
        summary="Every dependency answers",
        responses={503: {"description": "A dependency does not answer"}},
    )
    async def readyz() -> JSONResponse:
        results = dict(await asyncio.gather(*(_run(n, c, timeout) for n, c in checks.items())))
        ready = all(r == "ok" for r in results.values())
        if not ready:
            log.warning("not ready", checks=results)
        return JSONResponse(
            {"status": "ready" if ready else "unavailable", "checks": results},
            status_code=200 if ready else 503,
        )

    return router
