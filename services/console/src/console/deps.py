"""What a console route may ask for, and its access rules (mobilise_runtime.access):

- session (SessionDep): a signed-in organiser (else a redirect to the sign-in page);
- session-form (FormSessionDep): the same, for a form post that carries the session's CSRF token
  (missing or wrong: 403, nothing done);
- PUBLIC_ROUTES (access.py): the sign-in pages, whose forms carry a pre-session CSRF token.
The organiser's rights themselves are the APIs' to enforce: the console calls them with the
organiser's own token."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request

from console.adapters.apis import Apis
from console.bootstrap import ConsoleServices
from console.domain.session import COOKIE, Session, SessionCodec, csrf_valid
from console.settings import Settings
from mobilise_runtime.access import access_rule
from mobilise_runtime.dependencies import part_of, services_of

PRE_SESSION_COOKIE = "mobilise_console_csrf"
CSRF_FIELD = "csrf_token"

SettingsDep = Annotated[Settings, Depends(part_of(ConsoleServices, lambda s: s.settings))]
ApisDep = Annotated[Apis, Depends(part_of(ConsoleServices, lambda s: s.apis))]
CodecDep = Annotated[SessionCodec, Depends(part_of(ConsoleServices, lambda s: s.codec))]


class SignInNeeded(Exception):
    """No session, or one that is over: the sign-in page."""


class CsrfRefused(Exception):
    """A form post without the CSRF token of its session: 403."""


def current_session(request: Request) -> Session | None:
    codec = services_of(request, ConsoleServices).codec
    return codec.decode(request.cookies.get(COOKIE), now=datetime.now(UTC))


@access_rule("session")
async def _session(request: Request) -> Session:
    session = current_session(request)
    if session is None:
        raise SignInNeeded()
    return session


SessionDep = Annotated[Session, Depends(_session)]


async def check_csrf(request: Request, session: Session | None) -> None:
    submitted = (await request.form()).get(CSRF_FIELD)
    token = submitted if isinstance(submitted, str) else None
    # Before sign-in: the token must match the random cookie the form's page set (a cross-site
    # form can neither read nor set it).
    expected = session.csrf if session else request.cookies.get(PRE_SESSION_COOKIE)
    if not csrf_valid(expected, token):
        raise CsrfRefused()


@access_rule("session-form")
async def _form_session(request: Request) -> Session:
    session = current_session(request)
    if session is None:
        raise SignInNeeded()
    await check_csrf(request, session)
    return session


FormSessionDep = Annotated[Session, Depends(_form_session)]


async def _pre_session_csrf(request: Request) -> None:
    await check_csrf(request, None)


# Public forms (sign-in): the pre-session CSRF check, not an access rule.
PreSessionCsrf = Depends(_pre_session_csrf)
