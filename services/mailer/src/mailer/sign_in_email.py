"""The organisers' sign-in email (the console's one-time link): a SendGrid mail-send body, and
sending it. Not a supporter's email: no unsubscribe link, no mail log, no retry — a sign-in that
did not arrive is asked for again, and a link resent later would be one more live credential."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from markupsafe import escape

from mailer.domain.errors import Unavailable
from mailer.messages import Sender
from mailer.sendgrid import SendError, SendGridClient
from mailer.settings import Settings
from mobilise_runtime.logging import get_logger

log = get_logger(__name__)
Locale = Literal["fr", "en"]
RETRY_AFTER_S = 10
_TEXT: dict[Locale, dict[str, str]] = {
    "en": {
        "subject": "Your sign-in link to the mobilise console",
        "body": "Hello {name},\n\nOpen this link to sign in to the console. It works once, "
        "for {minutes} minutes:\n\n{link}\n\nIf you did not ask to sign in, ignore this email.",
    },
    "fr": {
        "subject": "Votre lien de connexion à la console mobilise",
        "body": "Bonjour {name},\n\nOuvrez ce lien pour vous connecter à la console. Il ne sert "
        "qu'une fois, pendant {minutes} minutes :\n\n{link}\n\nSi vous n'avez rien demandé, "
        "ignorez ce message.",
    },
}


def sign_in_body(
    *, sender: Sender, email: str, name: str, link: str, minutes: int, locale: Locale
) -> dict[str, Any]:
    text = _TEXT[locale]["body"].format(name=name, minutes=minutes, link=link)
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n"))
    html = paragraphs.replace(
        f"<p>{escape(link)}</p>", f'<p><a href="{escape(link)}">{escape(link)}</a></p>'
    )
    return {
        "personalizations": [
            {"to": [{"email": email}], "custom_args": {"kind": "sign-in"}},
        ],
        "from": {"email": sender.email, "name": sender.name},
        "subject": _TEXT[locale]["subject"],
        "content": [
            {"type": "text/plain", "value": text},
            {"type": "text/html", "value": f'<html lang="{locale}"><body>{html}</body></html>'},
        ],
        # A credential: no click tracking rewriting the link through SendGrid's servers.
        "tracking_settings": {"click_tracking": {"enable": False, "enable_text": False}},
    }


async def send_sign_in(settings: Settings, body: dict[str, Any]) -> None:
    try:
        client = SendGridClient.from_settings(settings)
        # The official client is blocking: off the event loop.
        await asyncio.to_thread(client.send, body)
    except (SendError, ValueError) as exc:
        log.warning("sign-in email not sent", error=str(exc))
        raise Unavailable(
            "the sign-in email could not be sent; try again shortly", retry_after_s=RETRY_AFTER_S
        ) from exc
