"""Invalidations of a campaign's signups (abuse): describe a filter, see how many counted signups
it matches (the signup API's dry run, nothing changed), confirm with a reason, and later put them
back (revert). The signup API decides who may: an organiser of the campaign, or an admin."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from console.adapters.apis import ApiRefused
from console.deps import ApisDep, FormSessionDep, SessionDep
from console.presentation.invalidation_form import (
    criteria,
    field_errors,
    filter_body,
    filter_values,
)
from console.presentation.rendering import redirect, render
from console.routes.campaigns import totals_of

router = APIRouter(include_in_schema=False)


def _api(slug: str, rest: str = "") -> str:
    return f"/api/v1/campaigns/{slug}/invalidations{rest}"


async def _page(
    request: Request,
    apis: ApisDep,
    token: str,
    slug: str,
    *,
    status_code: int = 200,
    **context: Any,
) -> Response:
    # The list first: it is what an organiser of another campaign is refused (403).
    invalidations = await apis.json("signup", "GET", _api(slug), token=token)
    campaign = await apis.json("signup", "GET", f"/api/v1/campaigns/{slug}", token=token)
    totals = await totals_of(apis, slug)
    context.setdefault("values", {})
    context.setdefault("errors", {})
    context.setdefault("matched", None)
    context.setdefault("revert_errors", {})
    return render(
        request,
        "invalidations.html",
        status_code=status_code,
        campaign=campaign,
        totals=totals,
        invalidations=[{**i, "criteria": criteria(i["filter"])} for i in invalidations],
        banner="counter" if totals is None else None,
        done=request.query_params.get("done"),
        **context,
    )


@router.get("/campaigns/{slug}/invalidations")
async def invalidations_page(
    request: Request, slug: str, session: SessionDep, apis: ApisDep
) -> Response:
    return await _page(request, apis, session.token, slug)


@router.post("/campaigns/{slug}/invalidations/dry-run")
async def dry_run(request: Request, slug: str, session: FormSessionDep, apis: ApisDep) -> Response:
    values = filter_values(await request.form())
    try:
        answer = await apis.json(
            "signup", "POST", _api(slug, "/dry-run"), token=session.token, json=filter_body(values)
        )
    except ApiRefused as exc:
        errors = field_errors(exc.fields) or {"_": exc.message}
        return await _page(
            request, apis, session.token, slug, values=values, errors=errors, status_code=422
        )
    return await _page(request, apis, session.token, slug, values=values, matched=answer["matched"])


@router.post("/campaigns/{slug}/invalidations")
async def apply(request: Request, slug: str, session: FormSessionDep, apis: ApisDep) -> Response:
    """The confirmation step's form: the filter of the dry run, and the reason."""
    form = await request.form()
    values = filter_values(form)
    reason = str(form.get("reason") or "").strip()
    body = {"filter": filter_body(values), "reason": reason}
    try:
        await apis.call("signup", "POST", _api(slug), token=session.token, json=body)
    except ApiRefused as exc:
        errors = field_errors(exc.fields) or {"_": exc.message}
        # Still the confirmation step (the count as the dry run said), the objection beside
        # its field.
        matched = form.get("matched")
        return await _page(
            request,
            apis,
            session.token,
            slug,
            values={**values, "reason": reason},
            errors=errors,
            matched=int(matched) if isinstance(matched, str) and matched.isdigit() else None,
            status_code=exc.status,
        )
    return redirect(f"/campaigns/{slug}/invalidations?done=applied")


@router.post("/campaigns/{slug}/invalidations/{invalidation_id}/revert")
async def revert(
    request: Request, slug: str, invalidation_id: str, session: FormSessionDep, apis: ApisDep
) -> Response:
    reason = str((await request.form()).get("reason") or "").strip()
    try:
        await apis.call(
            "signup",
            "POST",
            _api(slug, f"/{invalidation_id}/revert"),
            token=session.token,
            json={"reason": reason},
        )
    except ApiRefused as exc:
        # The reason's objection beside that invalidation's field; any other (reverted already,
        # no such invalidation) at the top of the page.
        beside = {invalidation_id: exc.fields["reason"]} if "reason" in exc.fields else {}
        return await _page(
            request,
            apis,
            session.token,
            slug,
            revert_errors=beside,
            errors={} if beside else {"_": exc.message},
            revert_reason=reason,
            status_code=exc.status,
        )
    return redirect(f"/campaigns/{slug}/invalidations?done=reverted")
