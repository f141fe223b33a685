"""The JSON of partner management and of the widget's configuration (schemas/common.py: campaigns
and signups). Write models refuse unknown fields; origins are checked by domain.partners."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from mobilise_runtime.openapi import with_example
from signup.domain.campaigns import Kind, Status
from signup.domain.partners import parse_origin
from signup.domain.text import clean_name
from signup.schemas.common import Locale, PartnerKey, Slug

Origin = Annotated[
    str, StringConstraints(min_length=8, max_length=300), AfterValidator(parse_origin)
]
PartnerName = Annotated[
    str, StringConstraints(min_length=1, max_length=120), AfterValidator(clean_name)
]
MAX_CAMPAIGNS = 50
MAX_ORIGINS = 20

PARTNER_EXAMPLE: dict[str, Any] = {
    "name": "Association Dakar Numérique",
    "campaigns": ["femmes-du-numerique"],
    "origins": ["https://dakar-numerique.example", "https://www.dakar-numerique.example"],
}


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _unique(values: list[str] | None, what: str) -> None:
    if values is not None and len(set(values)) != len(values):
        raise ValueError(f"{what} are listed more than once")


class PartnerIn(_In):
    model_config = with_example(PARTNER_EXAMPLE)

    name: PartnerName
    # The public key; generated from the name when absent.
    key: PartnerKey | None = None
    campaigns: list[Slug] = Field(min_length=1, max_length=MAX_CAMPAIGNS)
    # Where the widget may be embedded: https://host[:port] (http only for localhost).
    origins: list[Origin] = Field(min_length=1, max_length=MAX_ORIGINS)

    @model_validator(mode="after")
    def _no_repeats(self) -> Self:
        _unique(self.campaigns, "campaigns")
        _unique(self.origins, "origins")
        return self


class PartnerPatch(_In):
    """What may change: the name, the campaigns and the origins (each list replaced whole)."""

    model_config = with_example({"origins": ["https://dakar-numerique.example"]})

    name: PartnerName | None = None
    campaigns: list[Slug] | None = Field(default=None, min_length=1, max_length=MAX_CAMPAIGNS)
    origins: list[Origin] | None = Field(default=None, min_length=1, max_length=MAX_ORIGINS)

    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} may not be null")
        _unique(self.campaigns, "campaigns")
        _unique(self.origins, "origins")
        return self


class EmbedOut(BaseModel):
    script: str
    iframe: str


PARTNER_OUT_EXAMPLE: dict[str, Any] = {
    "key": "association-dakar-numerique-3f9a2c",
    **PARTNER_EXAMPLE,
    "created_at": "2026-03-01T10:00:00Z",
    "updated_at": "2026-03-01T10:00:00Z",
    "created_by": "admin",
    "embed": {
        "femmes-du-numerique": {
            "script": (
                '<div data-mobilise-widget data-campaign="femmes-du-numerique" '
                'data-partner="association-dakar-numerique-3f9a2c" data-locale="fr" '
                'data-color="#5b2a86">\n  <a href="https://signup.example/c/femmes-du-numerique">'
                "Femmes du numérique</a>\n</div>\n"
                '<script src="https://signup.example/widget.js" async></script>'
            ),
            "iframe": (
                '<iframe src="https://signup.example/embed/femmes-du-numerique?partner='
                'association-dakar-numerique-3f9a2c" title="Femmes du numérique" width="100%" '
                'height="720" style="border:0;max-width:36rem" loading="lazy"></iframe>'
            ),
        }
    },
}


class PartnerOut(BaseModel):
    model_config = with_example(PARTNER_OUT_EXAMPLE)

    key: str
    name: str
    campaigns: list[str]  # slugs
    origins: list[str]
    created_at: datetime
    updated_at: datetime
    created_by: str
    # Per campaign (slug): what the partner pastes into its pages.
    embed: dict[str, EmbedOut]


class Choice(BaseModel):
    value: str
    label: str


class ProgressOut(BaseModel):
    signed: int
    goal: int
    percent: int


WIDGET_EXAMPLE: dict[str, Any] = {
    "slug": "femmes-du-numerique",
    "kind": "pledge",
    "locale": "en",
    "status": "open",
    "title": "Women in digital",
    "title_lang": "en",
    "title_dir": "ltr",
    "consent_text_lang": "en",
    "consent_text_dir": "ltr",
    "consent_text_version": "2026-01",
    "consent_text": "I agree that my data is used for this campaign.",
    "charter_url": "https://signup.example/privacy?lang=en",
    "hosted_url": "https://signup.example/c/femmes-du-numerique?lang=en",
    "signup_url": "https://signup.example/api/v1/campaigns/femmes-du-numerique/pledges",
    "progress_url": "https://signup.example/c/femmes-du-numerique/progress",
    "countries": [{"value": "SN", "label": "Senegal"}],
    "skills": [],
    "availabilities": [],
    "dir": "ltr",
    "strings": {"email_label": "Email address", "submit": "Sign"},
    "progress_forms": {
        "one": "{num} signature towards a goal of {goal}",
        "other": "{num} signatures towards a goal of {goal}",
    },
    "progress": {"signed": 18432, "goal": 50000, "percent": 36},
}


class WidgetOut(BaseModel):
    """Everything widget.js shows, in the asked language: it has no words of its own."""

    model_config = with_example(WIDGET_EXAMPLE)

    slug: str
    kind: Kind
    locale: Locale
    dir: Literal["ltr", "rtl"]
    status: Status
    title: str
    title_lang: Locale  # the language of `title`: the campaign's fallback where none is in `locale`
    # Its direction: a fallback in another direction than `dir` is laid out (isolated) in its own.
    title_dir: Literal["ltr", "rtl"]
    consent_text_version: str
    consent_text: str
    consent_text_lang: Locale
    consent_text_dir: Literal["ltr", "rtl"]
    charter_url: str
    hosted_url: str
    signup_url: str
    progress_url: str
    countries: list[Choice]
    skills: list[Choice]
    availabilities: list[Choice]
    strings: dict[str, str]
    # The progress sentence by CLDR plural category ("one", "few", "other"…), for
    # Intl.PluralRules; "{num}" and "{goal}" are the numbers.
    progress_forms: dict[str, str]
    progress: ProgressOut | None
