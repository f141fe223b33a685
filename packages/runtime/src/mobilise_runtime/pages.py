"""Server-rendered pages, as every service renders them: Jinja2 with autoescape, the language
switcher, the headers every page carries, and what the pages share — base.html (the header,
the switcher, the footer), message.html (a page that only says something) and pages.css, each
service's own stylesheet and templates coming on top."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property, partial
from pathlib import Path
from typing import Annotated, Any

import jinja2
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from mobilise_runtime.catalogs import wording
from mobilise_runtime.locales import LOCALES, Locale, autonym, direction, format_number, negotiate


async def _page_locale(request: Request) -> Locale:
    # Here, not `Depends(negotiate)`: mobilise_runtime.locales imports no web framework (workers
    # use it), so FastAPI could not resolve its Request annotation. Async: FastAPI runs a plain
    # function dependency in a worker thread (the campaign page served ~25 % fewer requests).
    return negotiate(request)


# A page route's language (`locale: PageLocale`): `?lang=` (the switcher), then Accept-Language.
PageLocale = Annotated[Locale, Depends(_page_locale)]

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
SHARED_TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class LanguageLink:
    """An entry of the language switcher: this page in `locale`."""

    locale: Locale
    name: str
    url: str
    current: bool


def page_templates(
    directory: Path,
    *,
    stylesheet: str | None = None,
    section: str | None = None,
    footer: str = "",
    **filters: Any,
) -> Jinja2Templates:
    """The templates of `directory`, then the shared ones. base.html links /static/pages.css,
    then `stylesheet` (the service's own, under /static); `section` is the words (a msgid) that
    follow the site's name in the title and the header, `footer` those of the footer."""
    environment = jinja2.Environment(
        # A service's own template of the same name comes first.
        loader=jinja2.ChoiceLoader(
            [jinja2.FileSystemLoader(directory), jinja2.FileSystemLoader(SHARED_TEMPLATES)]
        ),
        autoescape=True,
        # A name missing from a page's context fails the tests rather than showing a blank.
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals.update(stylesheet=stylesheet, section=section, footer=footer)
    environment.filters["number"] = format_number
    environment.filters["foreign"] = foreign
    environment.filters.update(filters)
    return Jinja2Templates(env=environment)


def foreign(text: object, locale: str) -> Markup:
    """` lang="…" dir="…"` for an element holding `text` (a Shown) in another language than the
    page's: screen readers then speak it in its own language, browsers lay it out in its own
    direction."""
    lang = getattr(text, "lang", locale)
    if lang == locale:
        return Markup("")
    return Markup(' lang="{}" dir="{}"').format(lang, direction(lang))


def isolated(text: object, locale: str) -> Markup:
    """`text` for a sentence of the page: isolated in a `<bdi>` with its own lang and dir when
    it is in another language than the page's (a French title inside an Arabic sentence keeps
    its punctuation on its own side), escaped as it is otherwise."""
    attributes = foreign(text, locale)
    if not attributes:
        return Markup("{}").format(text)
    return Markup("<bdi{}>{}</bdi>").format(attributes, text)


def static_files(directory: Path) -> StaticFiles:
    """What a service serves under /static: its own files in `directory`, then pages.css."""
    return StaticFiles(directory=directory, packages=[("mobilise_runtime", "static")])


# What every page of a service has in its context besides its words and the switcher (the
# footer's links, …), for one request in one language.
PageContext = Callable[[Request, Locale], Mapping[str, Any]]


class ServicePages:
    """A service's pages: its templates (page_templates' arguments; made at first use) and the
    context each of its pages adds (`context`)."""

    def __init__(
        self,
        directory: Path,
        *,
        stylesheet: str | None = None,
        section: str | None = None,
        footer: str = "",
        context: PageContext | None = None,
        **filters: Any,
    ) -> None:
        self._make = partial(
            page_templates,
            directory,
            stylesheet=stylesheet,
            section=section,
            footer=footer,
            **filters,
        )
        self._context = context

    @cached_property
    def templates(self) -> Jinja2Templates:
        return self._make()

    def render(
        self,
        request: Request,
        template: str,
        *,
        locale: Locale,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        **context: Any,
    ) -> HTMLResponse:
        """`template` in `locale`: its words (`_`, `ngettext`), `locale`, `dir` and the language
        `switcher` in its context."""
        switcher = [
            LanguageLink(other, autonym(other), _same_page(request, other), other == locale)
            for other in LOCALES
        ]
        own = self._context(request, locale) if self._context else {}
        return self.templates.TemplateResponse(
            request,
            template,
            {**wording(locale).template_globals(), "switcher": switcher, **own, **context},
            status_code=status_code,
            headers={**PAGE_HEADERS, **(headers or {})},
        )

    def message(
        self,
        request: Request,
        *,
        locale: Locale,
        title: str,
        text: str,
        status_code: int,
        headers: Mapping[str, str] | None = None,
    ) -> HTMLResponse:
        """A page that only says something: `title` and `text` are msgids (marked `N_`)."""
        return self.render(
            request,
            "message.html",
            locale=locale,
            status_code=status_code,
            headers=headers,
            title=title,
            text=text,
        )

    def unavailable(
        self, request: Request, *, locale: Locale, title: str, text: str, retry_after_s: int
    ) -> HTMLResponse:
        """The 503 page of a store out of reach for now, saying `title` and `text` (msgids), and
        when to try again."""
        return self.message(
            request,
            locale=locale,
            title=title,
            text=text,
            status_code=503,
            headers={"Retry-After": str(retry_after_s)},
        )


def _same_page(request: Request, locale: Locale) -> str:
    url = request.url.include_query_params(lang=locale)
    return f"{url.path}?{url.query}"
