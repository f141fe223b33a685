"""Campaigns: the organiser's list with live totals and goal progress, creating one (with its
consent text chosen or created), opening and closing, a preview of the hosted page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from console.adapters.apis import ApiRefused, ServiceDown
from console.deps import ApisDep, FormSessionDep, SessionDep, SettingsDep
from console.presentation.campaign_form import (
    campaign_body,
    consent_body,
    form_values,
    patch_body,
    values_of,
)
from console.presentation.rendering import redirect, render
from mobilise_runtime.locales import LOCALES

router = APIRouter(include_in_schema=False)


async def totals_of(apis: ApisDep, slug: str) -> dict[str, Any] | None:
    """None: the counter does not answer (the list still shows, under a banner)."""
    try:
        totals: dict[str, Any] = await apis.json(
            "counter", "GET", f"/api/v1/campaigns/{slug}/totals"
        )
    except ApiRefused:  # nothing counted yet
        return {"signed": 0, "confirmed": 0, "volunteers": 0}
    except ServiceDown:
        return None
    return totals


@router.get("/campaigns")
async def list_campaigns(
    request: Request, session: SessionDep, apis: ApisDep, settings: SettingsDep
) -> Response:
    campaigns = await apis.json("signup", "GET", "/api/v1/campaigns", token=session.token)
    rows = [{"campaign": c, "totals": await totals_of(apis, c["slug"])} for c in campaigns]
    counter_down = any(row["totals"] is None for row in rows)
    return render(
        request,
        "campaigns.html",
        rows=rows,
        public_url=settings.signup_public_url,
        banner="counter" if counter_down else None,
    )


@router.get("/campaigns/{slug}/totals/stream")
async def totals_stream(slug: str, session: SessionDep, apis: ApisDep) -> Response:
    """The counter's Server-Sent Events, relayed: same origin, so the page needs no CORS."""
    await apis.json("signup", "GET", f"/api/v1/campaigns/{slug}", token=session.token)
    return StreamingResponse(
        apis.relay("counter", f"/api/v1/campaigns/{slug}/totals/stream"),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store"},
    )


@router.get("/campaigns/new")
async def new_campaign(request: Request, _: SessionDep, apis: ApisDep) -> Response:
    return await _form_page(request, apis, {}, {}, editing=None, status_code=200)


@router.post("/campaigns/new")
async def create_campaign(request: Request, session: FormSessionDep, apis: ApisDep) -> Response:
    form = await request.form()
    values = form_values(form)
    errors: dict[str, str] = {}
    try:
        consent = consent_body(values)
        if consent is not None:
            try:
                await apis.call(
                    "signup", "POST", "/api/v1/consent-texts", token=session.token, json=consent
                )
            except ApiRefused as exc:
                raise ApiRefused(
                    exc.status,
                    exc.message,
                    {f"consent.{k}": v for k, v in exc.fields.items()}
                    or {"consent.version": exc.message},
                ) from exc
            # Published: should the campaign be refused, the form offers it as chosen.
            values.update({"consent_version": consent["version"], "consent.version": ""})
            values.update({f"consent.{locale}": "" for locale in LOCALES})
        body, errors = campaign_body(values)
        if not errors:
            await apis.call("signup", "POST", "/api/v1/campaigns", token=session.token, json=body)
            return redirect("/campaigns")
    except ApiRefused as exc:
        errors = _placed(exc, values)
    return await _form_page(request, apis, values, errors, editing=None)


async def _form_page(
    request: Request,
    apis: ApisDep,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    editing: str | None,
    status_code: int = 422,
) -> Response:
    consents = await apis.json("signup", "GET", "/api/v1/consent-texts")
    return render(
        request,
        "campaign_new.html",
        status_code=status_code,
        values=values,
        errors=errors,
        consents=consents,
        editing=editing,
    )


@router.post("/campaigns/{slug}/open")
async def open_campaign(slug: str, session: FormSessionDep, apis: ApisDep) -> Response:
    await apis.call("signup", "POST", f"/api/v1/campaigns/{slug}/open", token=session.token)
    return redirect("/campaigns")


@router.post("/campaigns/{slug}/close")
async def close_campaign(slug: str, session: FormSessionDep, apis: ApisDep) -> Response:
    await apis.call("signup", "POST", f"/api/v1/campaigns/{slug}/close", token=session.token)
    return redirect("/campaigns")


@router.get("/campaigns/{slug}/edit")
async def edit_campaign(
    request: Request, slug: str, session: SessionDep, apis: ApisDep
) -> Response:
    campaigns = await apis.json("signup", "GET", "/api/v1/campaigns", token=session.token)
    found = [c for c in campaigns if c["slug"] == slug]
    if not found:
        # Not one of theirs, or none: an empty change (which changes nothing) lets the signup
        # service say which, 403 or 404.
        await apis.call(
            "signup", "PATCH", f"/api/v1/campaigns/{slug}", token=session.token, json={}
        )
        raise ApiRefused(404, f"no campaign {slug!r} among yours")
    return await _form_page(request, apis, values_of(found[0]), {}, editing=slug, status_code=200)


@router.post("/campaigns/{slug}/edit")
async def save_campaign(
    request: Request, slug: str, session: FormSessionDep, apis: ApisDep
) -> Response:
    values = {**form_values(await request.form()), "slug": slug}
    errors: dict[str, str] = {}
    try:
        body, errors = campaign_body(values)
        if not errors:
            await apis.call(
                "signup",
                "PATCH",
                f"/api/v1/campaigns/{slug}",
                token=session.token,
                json=patch_body(body),
            )
            return redirect("/campaigns")
    except ApiRefused as exc:
        errors = _placed(exc, values)
    return await _form_page(request, apis, values, errors, editing=slug)


def _placed(exc: ApiRefused, values: dict[str, str]) -> dict[str, str]:
    """The API's objections by form field; one about the title as a whole (no text in the
    fallback language) goes next to the fallback language's title."""
    errors = dict(exc.fields) or {"_": exc.message}
    if "title" in errors:
        errors[f"title.{values.get('fallback_locale') or 'fr'}"] = errors.pop("title")
    return errors
