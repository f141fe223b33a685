"""Partners: register one for campaigns of the organiser's with the origins (sites) that may embed
the widget, copy its widget and iframe snippets, and see what each brought in (the counter's
totals by partner)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from console.adapters.apis import ApiRefused
from console.deps import ApisDep, FormSessionDep, SessionDep
from console.presentation.rendering import redirect, render
from console.routes.campaigns import totals_of

router = APIRouter(include_in_schema=False)


def _words(value: str) -> list[str]:
    return [w for w in value.replace(",", " ").split() if w]


@router.get("/partners")
async def list_partners(request: Request, session: SessionDep, apis: ApisDep) -> Response:
    partners = await apis.json("signup", "GET", "/api/v1/partners", token=session.token)
    slugs = {slug for p in partners for slug in p["campaigns"]}
    totals = {slug: await totals_of(apis, slug) for slug in sorted(slugs)}
    brought: dict[str, dict[str, int | None]] = {}
    for partner in partners:
        brought[partner["key"]] = {
            slug: (
                None
                if totals[slug] is None
                else (totals[slug] or {})
                .get("by_partner", {})
                .get(partner["key"], {})
                .get("signed", 0)
            )
            for slug in partner["campaigns"]
        }
    counter_down = any(t is None for t in totals.values())
    return render(
        request,
        "partners.html",
        partners=partners,
        brought=brought,
        banner="counter" if counter_down else None,
    )


async def _campaign_choices(apis: ApisDep, token: str) -> list[dict[str, Any]]:
    campaigns: list[dict[str, Any]] = await apis.json(
        "signup", "GET", "/api/v1/campaigns", token=token
    )
    return campaigns


@router.get("/partners/new")
async def new_partner(request: Request, session: SessionDep, apis: ApisDep) -> Response:
    campaigns = await _campaign_choices(apis, session.token)
    return render(request, "partner_new.html", values={}, chosen=[], errors={}, campaigns=campaigns)


@router.post("/partners/new")
async def create_partner(request: Request, session: FormSessionDep, apis: ApisDep) -> Response:
    form = await request.form()
    values = {k: str(form.get(k) or "").strip() for k in ("name", "key", "origins")}
    chosen = [str(c) for c in form.getlist("campaigns")]
    body: dict[str, Any] = {
        "name": values["name"],
        "campaigns": chosen,
        "origins": _words(values["origins"]),
    }
    if values["key"]:
        body["key"] = values["key"]
    try:
        await apis.call("signup", "POST", "/api/v1/partners", token=session.token, json=body)
    except ApiRefused as exc:
        campaigns = await _campaign_choices(apis, session.token)
        return render(
            request,
            "partner_new.html",
            status_code=422,
            values=values,
            chosen=chosen,
            errors=exc.fields or {"_": exc.message},
            campaigns=campaigns,
        )
    return redirect("/partners")
