"""The emails, as SendGrid v3 mail-send request bodies: pure functions (no network, no database).

Every email has a text/plain and a text/html part (in that order), a visible unsubscribe link,
and the List-Unsubscribe headers of RFC 8058, so that mail clients offer one-click unsubscribe.

A newsletter goes out as few requests as possible: one per language and per `batch_size` recipients,
its content rendered once, each recipient's first name and unsubscribe link set by SendGrid from
the personalization's `substitutions`. The organiser's text is a Jinja2 template that may use
nothing but `{{ first_name }}`: it is checked, then rendered in a sandbox."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from jinja2 import nodes
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from mailer.presentation.i18n import LOCALES, SUBJECTS, Locale, wording
from mailer.settings import Settings
from mobilise_events import LocalisedText
from mobilise_runtime.locales import direction

TEMPLATES_DIR = Path(__file__).parent.parent / "templates"
MAX_BATCH = 1000  # personalizations per request, SendGrid's limit
ONE_CLICK = "List-Unsubscribe=One-Click"
# Substitution keys: SendGrid replaces them in the shared content with each recipient's values.
# The HTML part gets the escaped name: SendGrid substitutes values as they are.
FIRST_NAME, FIRST_NAME_HTML, UNSUBSCRIBE_URL = (
    "-first_name-",
    "-first_name_html-",
    "-unsubscribe_url-",
)
_KEYS = (FIRST_NAME, FIRST_NAME_HTML, UNSUBSCRIBE_URL)
_PARAGRAPHS = re.compile(r"\n\s*\n")
Body = dict[str, Any]


class BodyTemplateError(ValueError):
    """The organiser's text is not a template we render: a 422 for the mailings API."""


@dataclass(frozen=True)
class Sender:
    """Who the emails come from, and where their links lead."""

    email: str
    name: str
    links_base: str  # the signup service's public URL
    confirm_link_days: int = 30

    def __post_init__(self) -> None:
        # The links go unescaped into href attributes of the HTML parts (as substitutions).
        if set(self.links_base) & set("&<>\"' "):
            raise ValueError(f"links base {self.links_base!r} must be a plain URL")

    @classmethod
    def from_settings(cls, settings: Settings) -> Sender:
        return cls(
            settings.from_email,
            settings.from_name,
            settings.signup_public_url,
            settings.confirm_link_days,
        )

    def link(self, path: str, token: str) -> str:
        return f"{self.links_base.rstrip('/')}/{path}/{quote(token, safe='')}"


@dataclass(frozen=True)
class Recipient:
    email: str
    first_name: str
    locale: Locale
    supporter_key: str
    unsubscribe_token: str
    confirm_token: str | None = None
    campaign_id: str | None = None
    signup_id: str | None = None


def confirmation(*, sender: Sender, campaign_title: LocalisedText, recipient: Recipient) -> Body:
    """The double opt-in email: its link leads to a page whose one button confirms."""
    if recipient.confirm_token is None:
        raise ValueError("a confirmation email needs the signup's confirm token")
    confirm_url = sender.link("confirm", recipient.confirm_token)
    return _transactional(
        "confirmation", sender, campaign_title, recipient, confirm_url=confirm_url
    )


def welcome(*, sender: Sender, campaign_title: LocalisedText, recipient: Recipient) -> Body:
    """The thank-you after a signup (or after its confirmation, with double opt-in)."""
    return _transactional("welcome", sender, campaign_title, recipient)


def _transactional(
    kind: str, sender: Sender, title: LocalisedText, recipient: Recipient, **extra: str
) -> Body:
    locale = recipient.locale
    campaign = _in(title, locale)
    language = wording(locale)
    subject = _one_line(language.gettext(SUBJECTS[kind], campaign=campaign))
    unsubscribe_url = sender.link("unsubscribe", recipient.unsubscribe_token)
    context = {
        **language.template_globals(),
        "subject": subject,
        "campaign": campaign,
        "first_name": recipient.first_name,
        "days": sender.confirm_link_days,
        "unsubscribe_url": unsubscribe_url,
        **extra,
    }
    args = {"kind": kind, "supporter_key": recipient.supporter_key}
    args |= {"campaign_id": recipient.campaign_id} if recipient.campaign_id else {}
    args |= {"signup_id": recipient.signup_id} if recipient.signup_id else {}
    personalization = {
        "to": [{"email": recipient.email}],
        "subject": subject,
        "headers": _unsubscribe_headers(unsubscribe_url),
        "custom_args": args,
    }
    return _body(sender, [personalization], _render(kind, context))


def newsletter(
    *,
    sender: Sender,
    mailing_id: uuid.UUID | str,
    campaign_title: LocalisedText,
    subject: LocalisedText,
    body_template: LocalisedText,
    recipients: Sequence[Recipient],
    batch_size: int = MAX_BATCH,
) -> list[Body]:
    """The requests that send a mailing: per language, batches of at most `batch_size`."""
    if not 1 <= batch_size <= MAX_BATCH:
        raise ValueError(f"batch_size must be between 1 and {MAX_BATCH}")
    bodies = []
    for locale in LOCALES:
        group = [r for r in recipients if r.locale == locale]
        if not group:
            continue
        source, body_lang = body_template.shown(locale)
        text, html = _organiser_text(source)
        title = _one_line(_in(subject, locale))
        context = {
            **wording(locale).template_globals(),
            "subject": title,
            "campaign": _in(campaign_title, locale),
            "unsubscribe_url": UNSUBSCRIBE_URL,
            # The organiser's text in the fallback language, marked as such in another's email.
            "body_lang": body_lang,
            "body_dir": direction(body_lang),
        }
        content = _render("newsletter", {**context, "body": text}, {**context, "body": html})
        for batch in _batches(group, batch_size):
            personalizations = [
                _newsletter_personalization(sender, str(mailing_id), title, r) for r in batch
            ]
            bodies.append(_body(sender, personalizations, content))
    return bodies


def _newsletter_personalization(
    sender: Sender, mailing_id: str, subject: str, recipient: Recipient
) -> dict[str, Any]:
    unsubscribe_url = sender.link("unsubscribe", recipient.unsubscribe_token)
    first_name = _without_keys(recipient.first_name)
    args = {
        "mailing_id": mailing_id,
        "supporter_key": recipient.supporter_key,
        "kind": "newsletter",
    }
    args |= {"campaign_id": recipient.campaign_id} if recipient.campaign_id else {}
    return {
        "to": [{"email": recipient.email}],
        "subject": subject,
        "substitutions": {
            FIRST_NAME: first_name,
            FIRST_NAME_HTML: str(escape(first_name)),
            UNSUBSCRIBE_URL: unsubscribe_url,
        },
        "headers": _unsubscribe_headers(unsubscribe_url),
        "custom_args": args,
    }


def check_body_template(source: str) -> None:
    """Refuses a template that uses anything but `{{ first_name }}` (or does not parse).

    Nothing else could work anyway: the name is filled in by SendGrid after rendering, so a filter
    or a test on it would act on the placeholder. This also leaves the sandbox nothing to run."""
    try:
        tree = _sandbox().parse(source)
    except jinja2.TemplateSyntaxError as exc:
        raise BodyTemplateError(f"line {exc.lineno}: {exc.message}") from exc
    for node in tree.body:
        parts = node.nodes if isinstance(node, nodes.Output) else [node]
        for part in parts:
            if isinstance(part, nodes.TemplateData):
                continue
            if isinstance(part, nodes.Name) and part.name == "first_name" and part.ctx == "load":
                continue
            raise BodyTemplateError(
                f"line {part.lineno}: only {{{{ first_name }}}} may be used in the text"
            )


def _organiser_text(source: str) -> tuple[str, Markup]:
    """The organiser's text rendered once for every recipient: plain, and as HTML paragraphs."""
    check_body_template(source)
    template = _sandbox().from_string(source.replace("\r\n", "\n"))
    text = template.render(first_name=FIRST_NAME).strip()
    # All of it is the organiser's plain text (autoescape would spare the template's own text):
    # Markup's join and format escape each line.
    plain = template.render(first_name=FIRST_NAME_HTML)
    paragraphs = [p.strip() for p in _PARAGRAPHS.split(plain) if p.strip()]
    html = Markup("\n").join(
        Markup("<p>{}</p>").format(Markup("<br>\n").join(p.split("\n"))) for p in paragraphs
    )
    return text, html


def _render(
    kind: str, text_context: dict[str, Any], html_context: dict[str, Any] | None = None
) -> list[dict[str, str]]:
    env = _environment()
    text = env.get_template(f"{kind}.txt").render(text_context)
    html = env.get_template(f"{kind}.html").render(html_context or text_context)
    return [{"type": "text/plain", "value": text}, {"type": "text/html", "value": html}]


def _body(
    sender: Sender, personalizations: list[dict[str, Any]], content: list[dict[str, str]]
) -> Body:
    return {
        "from": {"email": sender.email, "name": sender.name},
        "personalizations": personalizations,
        "content": content,
        # Our own unsubscribe links and headers: SendGrid must not add its own.
        "tracking_settings": {"subscription_tracking": {"enable": False}},
    }


def _unsubscribe_headers(url: str) -> dict[str, str]:
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": ONE_CLICK}


def _batches(items: Sequence[Recipient], size: int) -> Iterator[Sequence[Recipient]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _in(text: LocalisedText, locale: Locale) -> str:
    return text.get(locale)


# Runs of white space a subject header may not hold (line breaks above all), but not the no-break
# spaces French puts before ; : ! ? and inside « » (str.split() would drop those too).
_BREAKABLE_SPACE = re.compile(r"[^\S\u00a0\u2007\u202f]+")


def _one_line(text: str) -> str:
    return _BREAKABLE_SPACE.sub(" ", text).strip(" ")


def _without_keys(value: str) -> str:
    """A value holding a substitution key would be substituted again by SendGrid."""
    # Every key holds a "-": most names have none, and skip the search (once per recipient).
    while "-" in value and any(key in value for key in _KEYS):
        for key in _KEYS:
            value = value.replace(key, "")
    return value


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@cache
def _sandbox() -> SandboxedEnvironment:
    return SandboxedEnvironment(autoescape=False, undefined=jinja2.StrictUndefined)
