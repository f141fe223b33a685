"""The baseline of the intake benchmark: a bare FastAPI endpoint taking the same JSON body."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import FastAPI

app = FastAPI()


@app.post("/api/v1/campaigns/{slug}/pledges", status_code=202)
async def pledge(slug: str, body: dict[str, Any]) -> dict[str, str]:
    return {"id": str(uuid.uuid4()), "status": "accepted"}
