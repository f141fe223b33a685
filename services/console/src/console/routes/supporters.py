"""Supporters: each campaign's supporters as CSV (the signup service's export, relayed), and for
admins the requests by email of the GDPR — what is held about a person, or their erasure."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response, StreamingResponse

from console.adapters.apis import ApiRefused
from console.deps import ApisDep, FormSessionDep, SessionDep
from console.presentation.rendering import render

router = APIRouter(include_in_schema=False)


@router.get("/supporters")
async def supporters_page(request: Request, session: SessionDep, apis: ApisDep) -> Response:
    campaigns = await apis.json("signup", "GET", "/api/v1/campaigns", token=session.token)
    return render(request, "supporters.html", campaigns=campaigns, result=None, error=None)


@router.get("/campaigns/{slug}/supporters.csv")
async def export_csv(slug: str, session: SessionDep, apis: ApisDep) -> Response:
    upstream, body = await apis.relay_download(
        "signup", f"/api/v1/campaigns/{slug}/supporters.csv", token=session.token
    )
    disposition = upstream.headers.get(
        "content-disposition", f'attachment; filename="{slug}-supporters.csv"'
    )
    return StreamingResponse(
        body,
        media_type=upstream.headers.get("content-type", "text/csv"),
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )


@router.post("/supporters/request")
async def gdpr_request(
    request: Request,
    session: FormSessionDep,
    apis: ApisDep,
    email: Annotated[str, Form(max_length=320)],
    action: Annotated[Literal["export", "erase"], Form()],
    confirm: Annotated[str | None, Form()] = None,
) -> Response:
    campaigns = await apis.json("signup", "GET", "/api/v1/campaigns", token=session.token)
    page = {"campaigns": campaigns, "email": email, "action": action}
    if action == "erase" and not confirm:
        return render(
            request, "supporters.html", status_code=422, result=None, error="confirm", **page
        )
    try:
        answer = await apis.json(
            "signup",
            "POST",
            f"/api/v1/supporters/{action}",
            token=session.token,
            json={"email": email.strip()},
        )
    except ApiRefused as exc:
        return render(
            request,
            "supporters.html",
            status_code=exc.status,
            result=None,
            error=exc.message,
            **page,
        )
    result = json.dumps(answer, indent=2, ensure_ascii=False)
    return render(request, "supporters.html", result=result, error=None, **page)
