"""The HTML pages' rendering: templates in the request's language, and the headers every page
carries. The routes of pages.py, confirm.py and unsubscribe.py answer through it."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from mobilise_runtime import pages as runtime_pages
from mobilise_runtime.catalogs import N_
from mobilise_runtime.dependencies import services_of
from signup import wording as words
from signup.bootstrap import SignupServices
from signup.domain.errors import Unavailable
from signup.domain.tokens import TokenExpired, TokenInvalid
from signup.i18n import Locale

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


@cache
def page_templates() -> Jinja2Templates:
    return runtime_pages.page_templates(
        TEMPLATES_DIR, stylesheet="signup.css", footer=N_("Campaigns for gender equality.")
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
        **_context(request, locale),
        **context,
    )


def render_message(
    request: Request, *, locale: Locale, title: str, text: str, status_code: int
) -> HTMLResponse:
    """A page that only says something: `title` and `text` are msgids (signup.wording)."""
    return runtime_pages.render_message(
        request,
        templates=page_templates(),
        locale=locale,
        title=title,
        text=text,
        status_code=status_code,
        **_context(request, locale),
    )


def _context(request: Request, locale: Locale) -> dict[str, Any]:
    # What every page of this service has: the footer's link to the charter.
    settings = services_of(request, SignupServices).settings
    return {
        "charter_url": charter_url(settings.charter_url, locale),
    }


def charter_url(configured: str, locale: Locale) -> str:
    # A page of this site (the default, /privacy) is asked for in the reader's language.
    if configured.startswith("/") and not configured.startswith("//"):
        separator = "&" if "?" in configured else "?"
        return f"{configured}{separator}{urlencode({'lang': locale})}"
    return configured


def refused_link(
    request: Request, locale: Locale, exc: TokenInvalid | TokenExpired
) -> HTMLResponse:
    if isinstance(exc, TokenExpired):
        return render_message(
            request,
            locale=locale,
            title=words.LINK_EXPIRED_TITLE,
            text=words.LINK_EXPIRED,
            status_code=410,
        )
    return render_message(
        request,
        locale=locale,
        title=words.LINK_INVALID_TITLE,
        text=words.LINK_INVALID,
        status_code=400,
    )


def unavailable(request: Request, locale: Locale, exc: Unavailable) -> HTMLResponse:
    return runtime_pages.render_unavailable(
        request,
        templates=page_templates(),
        locale=locale,
        title=words.UNAVAILABLE_TITLE,
        text=words.UNAVAILABLE,
        retry_after_s=exc.retry_after_s,
        **_context(request, locale),
    )
