"""The JSON the mailer API takes and gives. Write models refuse unknown fields, every string has a
bound, country codes are checked against ISO 3166-1, and the body template is checked as the
worker will render it (messages.check_body_template)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

import pycountry
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from mailer.presentation.messages import BodyTemplateError, check_body_template
from mobilise_runtime.locales import Locale
from mobilise_runtime.openapi import with_example

MAX_SUBJECT_CHARS = 200
MAX_BODY_CHARS = 20_000
MAX_COUNTRIES = 250


def _country(raw: str) -> str:
    code = raw.upper()
    if pycountry.countries.get(alpha_2=code) is None:
        raise ValueError(f"{raw!r} is not an ISO 3166-1 alpha-2 country code")
    return code


def _template(source: str) -> str:
    try:
        check_body_template(source)
    except BodyTemplateError as exc:
        # pydantic reports a ValueError's message as the error, in the 422's detail.
        raise ValueError(f"the body template does not compile: {exc}") from exc
    return source


Country = Annotated[
    str,
    StringConstraints(min_length=2, max_length=2, strip_whitespace=True),
    AfterValidator(_country),
]
Subject = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_SUBJECT_CHARS, strip_whitespace=True)
]
BodyTemplate = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_BODY_CHARS, strip_whitespace=True),
    AfterValidator(_template),
]

MAILING_EXAMPLE: dict[str, Any] = {
    "campaign": "femmes-du-numerique",
    "subject": {"fr": "Où en sommes-nous\u202f?", "en": "Where we stand"},
    "body_template": {
        "fr": "Bonjour {{ first_name }},\n\nNous sommes déjà 12\u202f000. Merci\u202f!",
        "en": "Hello {{ first_name }},\n\nWe are 12,000 already. Thank you!",
    },
    "audience": {"countries": ["FR", "SN"], "confirmed_only": True, "locale": None},
}


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# The subject and the text in any of the configured languages, at least the campaign's fallback
# language (which recipients of the others get). The text is plain text (blank lines make
# paragraphs) that may use `{{ first_name }}` and nothing else.
SubjectIn = Annotated[dict[Locale, Subject], Field(min_length=1)]
BodyTemplateIn = Annotated[dict[Locale, BodyTemplate], Field(min_length=1)]


class AudienceIn(_In):
    # None: every country of the campaign.
    countries: list[Country] | None = Field(default=None, min_length=1, max_length=MAX_COUNTRIES)
    confirmed_only: bool
    # None: every language, each recipient in their own.
    locale: Locale | None = None


class MailingIn(_In):
    model_config = with_example(MAILING_EXAMPLE)

    campaign: str = Field(min_length=1, max_length=64, description="the campaign's slug")
    subject: SubjectIn
    body_template: BodyTemplateIn
    audience: AudienceIn


class MailingAccepted(BaseModel):
    model_config = with_example({"mailing_id": "0b6f8e2a-4c1d-4e5f-8a9b-1c2d3e4f5a6b"})

    mailing_id: uuid.UUID


class MailingProgress(BaseModel):
    model_config = with_example(
        {
            "mailing_id": "0b6f8e2a-4c1d-4e5f-8a9b-1c2d3e4f5a6b",
            "campaign_id": "3f1c9a7e5b2d4c6e8a0b1c2d3e4f5a6b",
            "status": "sending",
            "queued": 1000,
            "sent": 48_000,
            "failed": 12,
            "suppressed": 230,
        }
    )

    mailing_id: str
    campaign_id: str
    # requested: accepted, not planned yet; queued: planned, nothing sent; sending; done: every
    # batch sent, failed or suppressed.
    status: Literal["requested", "queued", "sending", "done"]
    queued: int
    sent: int
    failed: int
    suppressed: int
