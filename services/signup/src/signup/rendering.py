"""The HTML pages' rendering: templates in the request's language, and the headers every page
carries. The routes of pages.py, confirm.py and unsubscribe.py answer through it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from signup.domain.errors import Unavailable
from signup.domain.tokens import TokenExpired, TokenInvalid
from signup.i18n import AUTONYMS, LOCALES, STRINGS, Locale, format_number
from signup.settings import Settings

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

# Pages load nothing from elsewhere and are never framed, so an injected tag could do nothing;
# their links carry tokens, which must not leak to other sites through Referer; their language
# depends on Accept-Language, which caches must know.
PAGE_HEADERS = {
    "Vary": "Accept-Language",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


@dataclass(frozen=True)
class LanguageLink:
    """An entry of the language switcher: this page in `locale`."""

    locale: Locale
    name: str
    url: str
    current: bool


def page_templates() -> Jinja2Templates:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        # A string missing from i18n.STRINGS fails the tests rather than showing a blank.
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["number"] = format_number
    return Jinja2Templates(env=environment)


def render(
    request: Request,
    template: str,
    *,
    locale: Locale,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    settings: Settings = request.app.state.settings
    switcher = [
        LanguageLink(other, AUTONYMS[other], _same_page(request, other), other == locale)
        for other in LOCALES
    ]
    return templates.TemplateResponse(
        request,
        template,
        {
            "t": STRINGS[locale],
            "locale": locale,
            "switcher": switcher,
            "charter_url": _charter_url(settings.charter_url, locale),
            **context,
        },
        status_code=status_code,
        headers={**PAGE_HEADERS, **(headers or {})},
    )


def render_message(
    request: Request,
    *,
    locale: Locale,
    title: str,
    text: str,
    status_code: int,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """A page that only says something: `title` and `text` name strings of i18n.STRINGS."""
    return render(
        request,
        "message.html",
        locale=locale,
        status_code=status_code,
        headers=headers,
        title_key=title,
        text_key=text,
    )


def _charter_url(configured: str, locale: Locale) -> str:
    # A page of this site (the default, /privacy) is asked for in the reader's language.
    if configured.startswith("/") and not configured.startswith("//"):
        separator = "&" if "?" in configured else "?"
        return f"{configured}{separator}{urlencode({'lang': locale})}"
    return configured


def _same_page(request: Request, locale: Locale) -> str:
    url = request.url.include_query_params(lang=locale)
    return f"{url.path}?{url.query}"


def refused_link(
    request: Request, locale: Locale, exc: TokenInvalid | TokenExpired
) -> HTMLResponse:
    if isinstance(exc, TokenExpired):
        return render_message(
            request,
            locale=locale,
            title="link_expired_title",
            text="link_expired_text",
            status_code=410,
        )
    return render_message(
        request,
        locale=locale,
        title="link_invalid_title",
        text="link_invalid_text",
        status_code=400,
    )


def unavailable(request: Request, locale: Locale, exc: Unavailable) -> HTMLResponse:
    return render_message(
        request,
        locale=locale,
        title="unavailable_title",
        text="unavailable_text",
        status_code=503,
        headers={"Retry-After": str(exc.retry_after_s)},
    )
