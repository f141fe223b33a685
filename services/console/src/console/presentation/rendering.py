"""The console's pages: Jinja2 with the i18n extension (gettext from the shared catalogs),
the headers every page carries, and the answers to what goes wrong (a service down: a banner;
no session: the sign-in page; a form without its CSRF token: 403)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from console.adapters.apis import ApiRefused, ServiceDown
from console.bootstrap import ConsoleServices
from console.deps import PRE_SESSION_COOKIE, CsrfRefused, SignInNeeded, current_session
from console.domain.session import COOKIE
from console.presentation.i18n import COOKIE as LANG_COOKIE
from console.presentation.i18n import LOCALES, negotiate
from mobilise_runtime.dependencies import services_of
from mobilise_runtime.locales import autonym
from mobilise_runtime.pages import PAGE_HEADERS

STATIC_DIR = Path(__file__).parent.parent / "static"


def render(
    request: Request,
    template: str,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """`template` in the request's language, with the session (if any) and a CSRF token;
    `headers` over the pages' own (PAGE_HEADERS)."""
    locale = negotiate(request)
    services = services_of(request, ConsoleServices)
    env = services.jinja[locale]
    session = current_session(request)
    pre_session = None
    if session is None:
        pre_session = request.cookies.get(PRE_SESSION_COOKIE) or secrets.token_urlsafe(24)
    html = env.get_template(template).render(
        locale=locale,
        languages=[(code, autonym(code), code == locale) for code in LOCALES],
        path=request.url.path,
        session=session,
        csrf_token=session.csrf if session else pre_session,
        banner=context.pop("banner", None),
        **context,
    )
    response = HTMLResponse(
        html, status_code=status_code, headers={**PAGE_HEADERS, **(headers or {})}
    )
    if request.query_params.get("lang") in LOCALES:
        response.set_cookie(LANG_COOKIE, locale, max_age=365 * 86_400, samesite="lax")
    if pre_session is not None:
        secure = services.settings.secure_cookies
        response.set_cookie(
            PRE_SESSION_COOKIE, pre_session, httponly=True, samesite="lax", secure=secure
        )
    return response


def redirect(url: str) -> RedirectResponse:
    # 303: the browser follows a form post with a GET.
    return RedirectResponse(url, status_code=303)


def install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(SignInNeeded)
    async def _sign_in(request: Request, _: SignInNeeded) -> Response:
        response = redirect("/sign-in")
        response.delete_cookie(COOKIE, path="/")
        return response

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, _: CsrfRefused) -> Response:
        return render(request, "problem.html", status_code=403, problem="csrf")

    @app.exception_handler(ServiceDown)
    async def _down(request: Request, exc: ServiceDown) -> Response:
        return render(
            request,
            "problem.html",
            status_code=503,
            headers={"Retry-After": str(exc.retry_after_s)},
            problem="down",
            banner=exc.service,
        )

    @app.exception_handler(ApiRefused)
    async def _refused(request: Request, exc: ApiRefused) -> Response:
        if exc.status == 401:  # the organiser's token expired or was revoked meanwhile
            return await _sign_in(request, SignInNeeded())
        return render(
            request, "problem.html", status_code=exc.status, problem="refused", message=exc.message
        )
