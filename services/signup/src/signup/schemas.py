"""The JSON the signup API takes and gives. Write models refuse unknown fields; every string has a
bound; codes are checked against ISO 3166 at the edge."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from signup.domain.campaigns import Kind, Status
from signup.domain.emails import parse_email
from signup.domain.regions import country_code, region_code
from signup.domain.text import clean_name

Locale = Literal["fr", "en"]
Slug = Annotated[
    str, StringConstraints(min_length=3, max_length=64, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
]
Version = Annotated[
    str, StringConstraints(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
]
PartnerKey = Annotated[
    str, StringConstraints(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
]
Country = Annotated[
    str, StringConstraints(min_length=2, max_length=2), AfterValidator(country_code)
]
Email = Annotated[
    str,
    StringConstraints(min_length=3, max_length=254),
    AfterValidator(lambda v: str(parse_email(v))),
]
Name = Annotated[str, StringConstraints(max_length=80), AfterValidator(clean_name)]


def _in_utc(value: datetime) -> datetime:
    # Stored as UTC (BSON keeps no offset): a date UTC cannot represent (year 1 at +01:00, year
    # 9999 at -10:00) would otherwise fail in the database driver, as a 500.
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("date out of range") from exc


Instant = Annotated[AwareDatetime, AfterValidator(_in_utc)]

Skill = Literal[
    "digital_skills_training",
    "mentoring",
    "coding",
    "communication",
    "legal_advice",
    "finance",
    "events",
    "translation",
]
Availability = Literal["few_hours_month", "few_hours_week", "one_day_week", "more"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LocalisedTitle(_In):
    fr: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    en: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class LocalisedText(_In):
    fr: Annotated[str, StringConstraints(max_length=5000)] = ""
    en: Annotated[str, StringConstraints(max_length=5000)] = ""


CONSENT_TEXT_EXAMPLE: dict[str, Any] = {
    "version": "2026-01",
    "text": {
        "fr": "J'accepte que mes données soient utilisées pour cette campagne.",
        "en": "I agree that my data is used for this campaign.",
    },
}


class ConsentTextIn(_In):
    model_config = ConfigDict(json_schema_extra={"examples": [CONSENT_TEXT_EXAMPLE]})

    version: Version
    text: LocalisedTitle  # both languages required


class ConsentTextOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{**CONSENT_TEXT_EXAMPLE, "created_at": "2026-01-05T09:30:00Z"}]
        }
    )

    version: str
    text: dict[str, str]
    created_at: datetime


def _check_dates(opens_at: datetime | None, closes_at: datetime | None) -> None:
    if opens_at and closes_at and closes_at <= opens_at:
        raise ValueError("closes_at must be after opens_at")


CAMPAIGN_EXAMPLE: dict[str, Any] = {
    "slug": "femmes-du-numerique",
    "kind": "volunteer",
    "title": {"fr": "Femmes du numérique", "en": "Women in digital"},
    "description": {
        "fr": "Formons 50 000 femmes aux compétences numériques.",
        "en": "Let's train 50,000 women in digital skills.",
    },
    "goal": 50000,
    "countries": ["FR", "SN", "CI"],
    "double_opt_in": True,
    "consent_text_versions": ["2026-01"],
}


class CampaignIn(_In):
    model_config = ConfigDict(json_schema_extra={"examples": [CAMPAIGN_EXAMPLE]})

    slug: Slug
    kind: Kind
    title: LocalisedTitle
    description: LocalisedText = LocalisedText()
    goal: int = Field(ge=1, le=1_000_000_000)
    countries: list[Country] = Field(default_factory=list, max_length=250)
    double_opt_in: bool = True
    opens_at: Instant | None = None
    closes_at: Instant | None = None
    consent_text_versions: list[Version] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _dates(self) -> Self:
        _check_dates(self.opens_at, self.closes_at)
        return self


class CampaignPatch(_In):
    """Fields to change; a campaign's slug and kind never change (links and events use them)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"goal": 60000, "closes_at": "2026-12-31T23:00:00Z"}]}
    )

    title: LocalisedTitle | None = None
    description: LocalisedText | None = None
    goal: int | None = Field(default=None, ge=1, le=1_000_000_000)
    countries: list[Country] | None = Field(default=None, max_length=250)
    double_opt_in: bool | None = None
    opens_at: Instant | None = None
    closes_at: Instant | None = None
    consent_text_versions: list[Version] | None = Field(default=None, min_length=1, max_length=20)

    @model_validator(mode="after")
    def _dates(self) -> Self:
        # Only the dates may be removed (null); every other field, if given, needs a value.
        for name in self.model_fields_set - {"opens_at", "closes_at"}:
            if getattr(self, name) is None:
                raise ValueError(f"{name} may not be null")
        _check_dates(self.opens_at, self.closes_at)
        return self


class ConsentOut(BaseModel):
    version: str
    text: dict[str, str]


CAMPAIGN_OUT_EXAMPLE: dict[str, Any] = {
    "id": "3f2a9c1e5b7d4e6f8a0b1c2d3e4f5a6b",
    **{k: v for k, v in CAMPAIGN_EXAMPLE.items() if k != "consent_text_versions"},
    "opens_at": "2026-03-08T00:00:00Z",
    "closes_at": None,
    "status": "open",
    "consent": CONSENT_TEXT_EXAMPLE,
}


class CampaignOut(BaseModel):
    """What anyone may read about a campaign."""

    model_config = ConfigDict(json_schema_extra={"examples": [CAMPAIGN_OUT_EXAMPLE]})

    id: str
    slug: str
    kind: Kind
    title: dict[str, str]
    description: dict[str, str]
    goal: int
    countries: list[str]
    double_opt_in: bool
    opens_at: datetime | None
    closes_at: datetime | None
    status: Status
    consent: ConsentOut


class OrganiserCampaignOut(CampaignOut):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **CAMPAIGN_OUT_EXAMPLE,
                    "consent_text_versions": ["2026-01"],
                    "created_at": "2026-02-20T14:03:00Z",
                    "updated_at": "2026-02-20T14:03:00Z",
                    "created_by": "admin",
                }
            ]
        }
    )

    consent_text_versions: list[str]
    created_at: datetime
    updated_at: datetime
    created_by: str


PLEDGE_EXAMPLE: dict[str, Any] = {
    "email": "awa.diop@example.org",
    "first_name": "Awa",
    "last_name": "Diop",
    "country": "SN",
    "region": "SN-DK",
    "locale": "fr",
    "newsletter_opt_in": True,
    "consent_text_version": "2026-01",
}


class PledgeIn(_In):
    model_config = ConfigDict(json_schema_extra={"examples": [PLEDGE_EXAMPLE]})

    email: Email
    first_name: Annotated[Name, StringConstraints(min_length=1)]
    last_name: Name | None = None
    country: Country
    region: Annotated[str, StringConstraints(min_length=4, max_length=8)] | None = None
    locale: Locale
    newsletter_opt_in: bool
    consent_text_version: Version
    partner: PartnerKey | None = None

    @field_validator("region")
    @classmethod
    def _region_in_country(cls, region: str | None, info: ValidationInfo) -> str | None:
        # Fields validate in order: country, when valid, is known here (else its own error).
        country = info.data.get("country")
        if region is None or country is None:
            return region
        return region_code(region, country)


class VolunteerIn(PledgeIn):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **PLEDGE_EXAMPLE,
                    "skills": ["mentoring", "digital_skills_training"],
                    "availability": "few_hours_month",
                    "wants_training": True,
                }
            ]
        }
    )

    skills: list[Skill] = Field(min_length=1, max_length=8)
    availability: Availability
    wants_training: bool = False

    @model_validator(mode="after")
    def _unique_skills(self) -> Self:
        if len(set(self.skills)) != len(self.skills):
            raise ValueError("skills are listed more than once")
        return self


class SignupAccepted(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"id": "7d9f4c2e-3b1a-4d5e-9f60-1a2b3c4d5e6f", "status": "pending_confirmation"}
            ]
        }
    )

    id: uuid.UUID
    # pending_confirmation: a confirmation email is on its way (double opt-in).
    status: Literal["accepted", "pending_confirmation"]


class OrganiserOut(BaseModel):
    """Who a token belongs to: the other services ask this to know an organiser."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "4f1c2b3a5d6e7f8091a2b3c4d5e6f708",
                    "name": "Awa Diallo",
                    "email": "awa@association.example",
                }
            ]
        }
    )

    id: str
    name: str
    # Empty for the admin token, which belongs to no one.
    email: str
