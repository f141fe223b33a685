"""The dashboard's HTML: templates in the request's language, and the headers every page carries."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse

from counter.presentation.i18n import Locale, format_share, negotiate
from mobilise_runtime.catalogs import N_
from mobilise_runtime.pages import ServicePages

TEMPLATES_DIR = Path(__file__).parent.parent / "templates"
STATIC_DIR = Path(__file__).parent.parent / "static"


def _utc_text(moment: datetime) -> str:
    # The script rewrites it in the reader's own time zone and language.
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC"


PAGES = ServicePages(
    TEMPLATES_DIR,
    stylesheet="dashboard.css",
    section=N_("Dashboard"),
    footer=N_("Aggregate figures, without any personal data."),
    percent=format_share,
    utc=_utc_text,
)
render = PAGES.render
# A page that only says something: `title` and `text` are msgids (marked N_).
render_message = PAGES.message


def render_unavailable(request: Request, *, locale: Locale, retry_after_s: int) -> HTMLResponse:
    return PAGES.unavailable(
        request,
        locale=locale,
        title=N_("Temporarily unavailable"),
        text=N_("The figures cannot be read just now. Try again in a few seconds."),
        retry_after_s=retry_after_s,
    )


def unavailable_page(request: Request, retry_after_s: int) -> HTMLResponse:
    """The dashboard's answer when it must be retried later (mobilise_runtime.error_responses)."""
    return render_unavailable(request, locale=negotiate(request), retry_after_s=retry_after_s)
