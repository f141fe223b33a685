"""Baselines served by a bare FastAPI app, with no mobilise code: the intake benchmark's endpoint
taking the same JSON body (as it comes, and validated as the spec asks of a pledge), and the
viewers benchmark's totals (the same JSON, from memory) and a live stream that pushes each change
to every connection (sse-starlette, as the counter uses)."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

import pycountry
from fastapi import FastAPI
from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, StringConstraints
from sse_starlette import EventSourceResponse, ServerSentEvent

app = FastAPI()
TOTALS: dict[str, Any] = json.loads(os.environ.get("BENCH_TOTALS_JSON", '{"signed": 0}'))
_changed = asyncio.Condition()


@app.post("/api/v1/campaigns/{slug}/pledges", status_code=202)
async def pledge(slug: str, body: dict[str, Any]) -> dict[str, str]:
    return {"id": str(uuid.uuid4()), "status": "accepted"}


def _iso_country(code: str) -> str:
    if pycountry.countries.get(alpha_2=code.upper()) is None:
        raise ValueError("not an ISO 3166-1 alpha-2 code")
    return code.upper()


Text = Annotated[str, StringConstraints(min_length=1, max_length=80, strip_whitespace=True)]


class Pledge(BaseModel):
    """The pledge body as DESIGN.md's contract gives it, checked as its rules ask (an email
    address, ISO country, the locales, unknown fields refused) with pydantic's own types."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    first_name: Text
    last_name: Text | None = None
    country: Annotated[str, AfterValidator(_iso_country)]
    region: Annotated[str, StringConstraints(min_length=4, max_length=8)] | None = None
    locale: Literal["fr", "en", "ar", "ro"]
    newsletter_opt_in: bool
    consent_text_version: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    partner: Annotated[str, StringConstraints(min_length=3, max_length=64)] | None = None


@app.post("/validated/api/v1/campaigns/{slug}/pledges", status_code=202)
async def validated_pledge(slug: str, body: Pledge) -> dict[str, str]:
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
