"""Baselines served by a bare FastAPI app, with no mobilise code: the intake benchmark's endpoint
taking the same JSON body, and the viewers benchmark's totals (the same JSON, from memory) and a
live stream that pushes each change to every connection (sse-starlette, as the counter uses)."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from sse_starlette import EventSourceResponse, ServerSentEvent

app = FastAPI()
TOTALS: dict[str, Any] = json.loads(os.environ.get("BENCH_TOTALS_JSON", '{"signed": 0}'))
_changed = asyncio.Condition()


@app.post("/api/v1/campaigns/{slug}/pledges", status_code=202)
async def pledge(slug: str, body: dict[str, Any]) -> dict[str, str]:
    return {"id": str(uuid.uuid4()), "status": "accepted"}


@app.get("/api/v1/campaigns/{slug}/totals")
async def totals(slug: str) -> dict[str, Any]:
    return TOTALS


@app.post("/change")
async def change(signed: int) -> None:
    async with _changed:
        TOTALS["signed"] = signed
        _changed.notify_all()


@app.get("/api/v1/campaigns/{slug}/totals/stream")
async def stream(slug: str) -> EventSourceResponse:
    async def events() -> AsyncIterator[ServerSentEvent]:
        yield ServerSentEvent(data=json.dumps(TOTALS), event="totals")
        while True:
            async with _changed:
                await _changed.wait()
            yield ServerSentEvent(data=json.dumps(TOTALS), event="totals")

    return EventSourceResponse(events())
