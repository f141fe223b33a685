"""Server-rendered pages, as every service renders them: Jinja2 with autoescape, the language
switcher, and the headers every page carries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from mobilise_runtime.locales import AUTONYMS, LOCALES, Locale, format_number

# Pages load nothing from elsewhere and are never framed, so an injected tag could do nothing;
# their links may carry tokens, which must not leak to other sites through Referer; their
# language depends on Accept-Language, which caches must know.
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


def page_templates(directory: Path, **filters: Any) -> Jinja2Templates:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory),
        autoescape=True,
        # A string missing from a service's strings fails the tests rather than showing a blank.
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["number"] = format_number
    environment.filters.update(filters)
    return Jinja2Templates(env=environment)


def render_page(
    request: Request,
    template: str,
    *,
    locale: Locale,
    strings: Mapping[str, str],
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """`template` from `request.app.state.templates`, with `t` (the strings), `locale` and the
    language `switcher` in its context."""
    templates: Jinja2Templates = request.app.state.templates
    switcher = [
        LanguageLink(other, AUTONYMS[other], _same_page(request, other), other == locale)
        for other in LOCALES
    ]
    return templates.TemplateResponse(
        request,
        template,
        {"t": strings, "locale": locale, "switcher": switcher, **context},
        status_code=status_code,
        headers={**PAGE_HEADERS, **(headers or {})},
    )


def _same_page(request: Request, locale: Locale) -> str:
    url = request.url.include_query_params(lang=locale)
    return f"{url.path}?{url.query}"
