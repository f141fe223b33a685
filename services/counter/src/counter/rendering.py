"""The dashboard's HTML: templates in the request's language, and the headers every page carries."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from counter.i18n import Locale, format_share
from mobilise_runtime import pages as runtime_pages
from mobilise_runtime.catalogs import N_

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


@cache
def page_templates() -> Jinja2Templates:
    return runtime_pages.page_templates(
        TEMPLATES_DIR,
        stylesheet="dashboard.css",
        section=N_("Dashboard"),
        footer=N_("Aggregate figures, without any personal data."),
        percent=format_share,
        utc=_utc_text,
    )


def render(
    request: Request,
    template: str,
    *,
    locale: Locale,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    return runtime_pages.render_page(
        request,
        template,
        templates=page_templates(),
        locale=locale,
        status_code=status_code,
        headers=headers,
        **context,
    )


def render_message(
    request: Request, *, locale: Locale, title: str, text: str, status_code: int
) -> HTMLResponse:
    """A page that only says something: `title` and `text` are msgids (marked N_)."""
    return runtime_pages.render_message(
        request,
        templates=page_templates(),
        locale=locale,
        title=title,
        text=text,
        status_code=status_code,
    )


def render_unavailable(request: Request, *, locale: Locale, retry_after_s: int) -> HTMLResponse:
    return runtime_pages.render_unavailable(
        request,
        templates=page_templates(),
        locale=locale,
        title=N_("Temporarily unavailable"),
        text=N_("The figures cannot be read just now. Try again in a few seconds."),
        retry_after_s=retry_after_s,
    )


def _utc_text(moment: datetime) -> str:
    # The script rewrites it in the reader's own time zone and language.
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC"
