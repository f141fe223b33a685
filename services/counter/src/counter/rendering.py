"""The dashboard's HTML: templates in the request's language, and the headers every page carries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from counter.i18n import AUTONYMS, LOCALES, STRINGS, Locale, format_number, format_percent

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

# The pages load nothing from elsewhere (the script's EventSource and fetches are same-origin)
# and are never framed; their language depends on Accept-Language, which caches must know.
PAGE_HEADERS = {
    "Vary": "Accept-Language",
    "Cache-Control": "no-cache",
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
    environment.filters["percent"] = format_percent
    environment.filters["utc"] = _utc_text
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
    switcher = [
        LanguageLink(other, AUTONYMS[other], _same_page(request, other), other == locale)
        for other in LOCALES
    ]
    return templates.TemplateResponse(
        request,
        template,
        {"t": STRINGS[locale], "locale": locale, "switcher": switcher, **context},
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


def _same_page(request: Request, locale: Locale) -> str:
    url = request.url.include_query_params(lang=locale)
    return f"{url.path}?{url.query}"


def _utc_text(moment: datetime) -> str:
    # The script rewrites it in the reader's own time zone and language.
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC"
