"""The organisers' sign-in email (the console's one-time link): a SendGrid mail-send body, and
sending it. Not a supporter's email: no unsubscribe link, no mail log, no retry — a sign-in that
did not arrive is asked for again, and a link resent later would be one more live credential.

mailer-api starts without a SendGrid key (its other routes need none): then its composition root
has no client, and a sign-in email is a 503 that says which setting is missing."""

from __future__ import annotations

import asyncio
from typing import Any

from markupsafe import escape

from mailer.adapters.sendgrid import SendError, SendGridClient
from mailer.presentation.messages import Sender
from mobilise_runtime.catalogs import N_, wording
from mobilise_runtime.errors import Unavailable
from mobilise_runtime.locales import Locale, direction
from mobilise_runtime.logging import get_logger

log = get_logger(__name__)
RETRY_AFTER_S = 10
NOT_CONFIGURED_RETRY_S = 300
SUBJECT = N_("Your sign-in link to the mobilise console")
GREETING = N_("Hello %(name)s,")
INVITATION = N_("Open this link to sign in to the console. It works once, for %(minutes)s minutes:")
NOT_ASKED = N_("If you did not ask to sign in, ignore this email.")


def sign_in_body(
    *, sender: Sender, email: str, name: str, link: str, minutes: int, locale: Locale
) -> dict[str, Any]:
    words = wording(locale)
    paragraphs = [
        words.gettext(GREETING, name=name),
        words.gettext(INVITATION, minutes=words.number(minutes)),
        link,
        words.gettext(NOT_ASKED),
    ]
    text = "\n\n".join(paragraphs)
    html = "".join(
        f'<p><a href="{escape(link)}">{escape(link)}</a></p>'
        if p == link
        else f"<p>{escape(p)}</p>"
        for p in paragraphs
    )
    page = f'<html lang="{locale}" dir="{direction(locale)}"><body>{html}</body></html>'
    return {
        "personalizations": [
            {"to": [{"email": email}], "custom_args": {"kind": "sign-in"}},
        ],
        "from": {"email": sender.email, "name": sender.name},
        "subject": words.gettext(SUBJECT),
        "content": [
            {"type": "text/plain", "value": text},
            {"type": "text/html", "value": page},
        ],
        # A credential: no click tracking rewriting the link through SendGrid's servers.
        "tracking_settings": {"click_tracking": {"enable": False, "enable_text": False}},
    }


async def send_sign_in(client: SendGridClient | None, body: dict[str, Any]) -> None:
    if client is None:
        raise Unavailable(
            "sign-in emails are not configured: set MAILER_SENDGRID_API_KEY for mailer-api",
            retry_after_s=NOT_CONFIGURED_RETRY_S,
        )
    try:
        # The official client is blocking: off the event loop.
        await asyncio.to_thread(client.send, body)
    except SendError as exc:
        log.warning("sign-in email not sent", error=str(exc))
        raise Unavailable(
            "the sign-in email could not be sent; try again shortly", retry_after_s=RETRY_AFTER_S
        ) from exc
