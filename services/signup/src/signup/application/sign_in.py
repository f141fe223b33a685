"""Organisers' console sign-in by email: a one-time link, minted here (this service owns the
organisers), mailed by the mailer, redeemed here for an organiser token that expires (the
console's session credential; signing out drops it).

Asking for a link answers the same whether or not the address is an organiser's, so that the
form tells no one who organises."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import httpx

from mobilise_runtime.errors import NotFound
from mobilise_runtime.link_tokens import SignInClaim, TokenExpired, TokenInvalid, Tokens
from mobilise_runtime.locales import Locale
from mobilise_runtime.logging import get_logger
from signup.adapters.mailer_export import mail_sign_in_link
from signup.application import organiser_service
from signup.domain.errors import LinkRefused
from signup.repository import Repository
from signup.schemas.organisers import SessionOut
from signup.settings import Settings

log = get_logger(__name__)


async def send_link(
    *,
    settings: Settings,
    repository: Repository,
    tokens: Tokens,
    http: httpx.AsyncClient,
    email: str,
    locale: Locale,
) -> None:
    admin = settings.shared.admin_token
    # Checked first, whoever asks: the answer must not depend on the address.
    if settings.mailer_url is None or admin is None:
        # Not set up here, like the dev outbox when off: a 404, not an outage to retry.
        raise NotFound(
            "sign-in by email is not set up here (SIGNUP_MAILER_URL, MOBILISE_ADMIN_TOKEN)"
        )
    try:
        organiser = await repository.organisers.by_email(email)
    except NotFound:
        log.info("sign-in link asked for an address that is no organiser's")
        return
    if organiser.revoked_at is not None:
        return
    token = tokens.sign_in_token(SignInClaim(organiser.id, secrets.token_urlsafe(16)))
    message = {
        "email": organiser.email,
        "name": organiser.name,
        "link": f"{settings.console_url.rstrip('/')}/sign-in/{token}",
        "minutes": settings.sign_in_link_minutes,
        "locale": locale,
    }
    await mail_sign_in_link(http, settings.mailer_url, admin.get_secret_value(), message)


async def redeem(
    *, settings: Settings, repository: Repository, tokens: Tokens, token: str, now: datetime
) -> SessionOut:
    """Forged or expired: LinkRefused; used before: AlreadyExists; the organiser revoked since:
    LinkRefused too (signing in never reinstates anyone)."""
    max_age_s = settings.sign_in_link_minutes * 60
    try:
        claim = tokens.read_sign_in(token, max_age_s=max_age_s)
    except TokenExpired as exc:
        raise LinkRefused("this sign-in link has expired: ask for a new one") from exc
    except TokenInvalid as exc:
        raise LinkRefused("this is not a sign-in link") from exc
    await repository.sign_ins.redeem(
        claim.nonce, now=now, link_expires_at=now + timedelta(seconds=max_age_s)
    )
    expires_at = now + timedelta(hours=settings.console_session_hours)
    expires_at = expires_at.replace(microsecond=expires_at.microsecond // 1000 * 1000)
    session = await repository.organisers.session_token(claim.organiser_id, expires_at=expires_at)
    if session is None:
        raise LinkRefused("this organiser may no longer sign in")
    # Each sign-in adds a token: the ones of sessions over go, so they do not pile up.
    await repository.organisers.prune_expired_tokens(now=now, organiser_id=claim.organiser_id)
    organiser = await repository.organisers.get(claim.organiser_id)
    return SessionOut(
        token=session,
        expires_at=expires_at,
        organiser=await organiser_service.me(repository, organiser),
    )
