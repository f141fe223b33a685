"""The campaign page's baseline: a bare FastAPI app that renders the hosted page's template
(campaign.html, the same Jinja environment) for every request, from a context made once — no
database, no counter, no cache. The context is the signup service's own for the campaign
BENCH_SLUG, captured from one real render at the first request, so nothing here copies how the
page's context is built."""

from __future__ import annotations

import os
from typing import Any

import jinja2
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from signup.bootstrap import bootstrap
from signup.presentation.rendering import PAGES
from signup.routes.pages import render_campaign
from signup.settings import Settings

app = FastAPI()
_captured: dict[str, Any] = {}


class _Capturing:
    """Stands for the service's templates once, keeping the context of what it renders."""

    def __init__(self, templates: Jinja2Templates) -> None:
        self.templates = templates

    def TemplateResponse(  # Starlette's name
        self, request: Request, name: str, context: dict[str, Any], **kw: Any
    ) -> Any:
        _captured.update(context, request=request, template=name)
        return self.templates.TemplateResponse(request, name, context, **kw)


async def _capture(request: Request) -> None:
    services = bootstrap(Settings(), service="bench-bare-page")
    app.state.services = services  # what the page's helpers read (its progress bar's client)
    real = PAGES.templates
    PAGES.__dict__["templates"] = _Capturing(real)  # the cached_property, for this one render
    try:
        repository = services.stores.repository
        campaign = await repository.campaigns.by_slug(os.environ["BENCH_SLUG"])
        await render_campaign(request, repository, campaign, "fr")
    finally:
        PAGES.__dict__["templates"] = real
        await services.http.aclose()
        await services.stores.database.close()
    app.state.template = real.env.get_template(_captured.pop("template"))


@app.get("/c/{slug}", response_class=HTMLResponse)
async def campaign_page(slug: str, request: Request) -> HTMLResponse:
    if not _captured:
        await _capture(request)
    template: jinja2.Template = app.state.template
    return HTMLResponse(template.render(_captured))
