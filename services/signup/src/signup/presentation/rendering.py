"""The HTML pages' rendering: templates in the request's language, and the headers every page
carries. The routes of pages.py, confirm.py and unsubscribe.py answer through it."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse

from mobilise_runtime.catalogs import N_
from mobilise_runtime.dependencies import services_of
from mobilise_runtime.errors import Unavailable
from mobilise_runtime.link_tokens import TokenExpired, TokenInvalid
from mobilise_runtime.pages import ServicePages
from signup.bootstrap import SignupServices
from signup.presentation import wording as words
from signup.presentation.i18n import Locale, negotiate

TEMPLATES_DIR = Path(__file__).parent.parent / "templates"
STATIC_DIR = Path(__file__).parent.parent / "static"


def _context(request: Request, locale: Locale) -> dict[str, Any]:
    # What every page of this service has: the footer's link to the charter.
    settings = services_of(request, SignupServices).settings
    return {
        "charter_url": charter_url(settings.charter_url, locale),
    }


PAGES = ServicePages(
    TEMPLATES_DIR,
    stylesheet="signup.css",
    footer=N_("Campaigns for gender equality."),
    context=_context,
)
render = PAGES.render
# A page that only says something: `title` and `text` are msgids (signup.presentation.wording).
render_message = PAGES.message


class PageRefused(Exception):
    """Raised by a page's dependency that answers the request itself (a page that says no):
    the app answers `page` (entrypoints/api.py installs the handler)."""

    def __init__(self, page: HTMLResponse) -> None:
        super().__init__(page.status_code)
        self.page = page


async def answer_refused(_request: Request, exc: Exception) -> HTMLResponse:
    assert isinstance(exc, PageRefused)
    return exc.page


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
        title, text, status = words.LINK_EXPIRED_TITLE, words.LINK_EXPIRED, 410
    else:
        title, text, status = words.LINK_INVALID_TITLE, words.LINK_INVALID, 400
    return render_message(request, locale=locale, title=title, text=text, status_code=status)


def unavailable(request: Request, locale: Locale, exc: Unavailable) -> HTMLResponse:
    return PAGES.unavailable(
        request,
        locale=locale,
        title=words.UNAVAILABLE_TITLE,
        text=words.UNAVAILABLE,
        retry_after_s=exc.retry_after_s,
    )


def unavailable_page(request: Request, retry_after_s: int) -> HTMLResponse:
    """Any page's answer when it must be retried later (the store not answering): the page of
    Kafka not answering, in the reader's language (mobilise_runtime.error_responses)."""
    locale = negotiate(request)
    return unavailable(request, locale, Unavailable("", retry_after_s=retry_after_s))
