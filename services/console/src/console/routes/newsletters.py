"""Newsletters: compose per language, see the email as rendered and the audience's size (the
mailer's preview, nothing sent), confirm, then follow the progress (queued, sent, failed,
suppressed) live; past mailings below. The confirmation step carries an idempotency key made
with the preview: a double click, or a retry after a timeout, sends one mailing."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from console.adapters.apis import ApiRefused, Apis
from console.deps import ApisDep, FormSessionDep, SessionDep
from console.presentation.campaign_form import localised
from console.presentation.rendering import redirect, render
from mobilise_runtime.locales import LOCALES
from mobilise_runtime.pages import PAGE_HEADERS

router = APIRouter(include_in_schema=False)
# The previews frame each email's HTML (sandbox="": nothing in it runs). A srcdoc frame lives
# under this page's policy, and emails carry their styles inline (mail programs read no style
# sheets): without 'unsafe-inline' for styles the preview would not look like the email.
PREVIEW_HEADERS = {
    "Content-Security-Policy": PAGE_HEADERS["Content-Security-Policy"].replace(
        "default-src 'self';", "default-src 'self'; style-src 'self' 'unsafe-inline';"
    )
}
FIELDS = (
    *(f"{text}.{locale}" for text in ("subject", "body_template") for locale in LOCALES),
    "countries",
    "locale",
)


def _values(form: Mapping[str, Any]) -> dict[str, str]:
    values = {name: str(form.get(name) or "").strip() for name in FIELDS}
    values["confirmed_only"] = "on" if form.get("confirmed_only") else ""
    return values


def mailing_body(slug: str, values: Mapping[str, str]) -> dict[str, Any]:
    countries = [c.upper() for c in values.get("countries", "").replace(",", " ").split()]
    return {
        "campaign": slug,
        "subject": localised(values, "subject"),
        "body_template": localised(values, "body_template"),
        "audience": {
            "countries": countries or None,
            "confirmed_only": bool(values.get("confirmed_only")),
            "locale": values.get("locale") or None,
        },
    }


async def _page(request: Request, apis: ApisDep, token: str, slug: str, **context: Any) -> Response:
    campaign = await apis.json("signup", "GET", f"/api/v1/campaigns/{slug}", token=token)
    mailings = await apis.json("mailer", "GET", f"/api/v1/campaigns/{slug}/mailings", token=token)
    just_sent = context.pop("just_sent", None)
    if just_sent and just_sent not in {m["mailing_id"] for m in mailings}:
        # Accepted, not planned yet: its row from its progress until the list has it.
        with contextlib.suppress(ApiRefused):
            progress = await apis.json(
                "mailer", "GET", f"/api/v1/mailings/{just_sent}", token=token
            )
            mailings.insert(0, {**progress, "subject": {}})
    context.setdefault("values", {"confirmed_only": "on"})
    context.setdefault("errors", {})
    context.setdefault("preview", None)
    return render(
        request,
        "newsletters.html",
        headers=PREVIEW_HEADERS,
        campaign=campaign,
        mailings=mailings,
        **context,
    )


async def _refused(
    request: Request,
    apis: ApisDep,
    token: str,
    slug: str,
    values: dict[str, str],
    exc: ApiRefused,
) -> Response:
    """The form again, the mailer's objections next to their fields (the live preview: JSON)."""
    errors: dict[str, str] = {}
    for name, message in (exc.fields or {"_": exc.message}).items():
        # An objection to the text as a whole (none in the campaign's fallback language) has
        # no field of its own: it goes above the form.
        key = name if name in FIELDS else "_"
        errors[key] = f"{errors[key]}; {message}" if key in errors else message
    if request.headers.get("accept") == "application/json":
        return JSONResponse({"detail": exc.message, "fields": errors}, status_code=exc.status)
    return await _page(
        request, apis, token, slug, values=values, errors=errors, status_code=exc.status
    )


async def _post_mailing(
    apis: Apis,
    token: str,
    path: str,
    slug: str,
    values: dict[str, str],
    *,
    idempotency_key: str | None = None,
) -> Any:
    """The form's newsletter to the mailer: to preview (`/preview`) or to send (``)."""
    return await apis.json(
        "mailer",
        "POST",
        f"/api/v1/mailings{path}",
        token=token,
        json=mailing_body(slug, values),
        headers={"Idempotency-Key": idempotency_key} if idempotency_key else None,
    )


@router.get("/newsletters")
async def choose_campaign(request: Request, session: SessionDep, apis: ApisDep) -> Response:
    campaigns = await apis.json("signup", "GET", "/api/v1/campaigns", token=session.token)
    return render(request, "newsletters_index.html", campaigns=campaigns)


@router.get("/campaigns/{slug}/newsletters")
async def compose(
    request: Request, slug: str, session: SessionDep, apis: ApisDep, sent: str | None = None
) -> Response:
    return await _page(request, apis, session.token, slug, just_sent=sent)


@router.post("/campaigns/{slug}/newsletters/preview")
async def preview(request: Request, slug: str, session: FormSessionDep, apis: ApisDep) -> Response:
    values = _values(await request.form())
    try:
        shown = await _post_mailing(apis, session.token, "/preview", slug, values)
    except ApiRefused as exc:
        return await _refused(request, apis, session.token, slug, values, exc)
    if request.headers.get("accept") == "application/json":  # the live preview while typing
        return JSONResponse(shown)
    return await _page(
        request,
        apis,
        session.token,
        slug,
        values=values,
        preview=shown,
        idempotency_key=secrets.token_urlsafe(16),
    )


@router.post("/campaigns/{slug}/newsletters/send")
async def send(request: Request, slug: str, session: FormSessionDep, apis: ApisDep) -> Response:
    form = await request.form()
    values = _values(form)
    key = str(form.get("idempotency_key") or secrets.token_urlsafe(16))
    try:
        sent = await _post_mailing(apis, session.token, "", slug, values, idempotency_key=key)
    except ApiRefused as exc:
        return await _refused(request, apis, session.token, slug, values, exc)
    mailing_id = sent["mailing_id"]
    return redirect(f"/campaigns/{slug}/newsletters?sent={mailing_id}#mailing-{mailing_id}")


@router.get("/mailings/{mailing_id}/progress")
async def progress(mailing_id: str, session: SessionDep, apis: ApisDep) -> Response:
    """The mailer's progress, for the page's live updates."""
    answer = await apis.json("mailer", "GET", f"/api/v1/mailings/{mailing_id}", token=session.token)
    return JSONResponse(answer, headers={"Cache-Control": "no-store"})
