"""The JSON of pledges and volunteer signups: what a supporter sends (emails normalised, names
cleaned, region checked against the country) and what the API answers."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from mobilise_runtime.openapi import with_example
from signup.domain.emails import parse_email
from signup.domain.regions import region_code
from signup.domain.text import clean_name
from signup.schemas.common import Country, Locale, PartnerKey, Version, WriteModel

Email = Annotated[
    str,
    StringConstraints(min_length=3, max_length=254),
    AfterValidator(lambda v: str(parse_email(v))),
]
Name = Annotated[str, StringConstraints(max_length=80), AfterValidator(clean_name)]

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


class PledgeIn(WriteModel):
    model_config = with_example(PLEDGE_EXAMPLE)

    email: Email
    first_name: Annotated[Name, StringConstraints(min_length=1)]
    last_name: Name | None = None
    country: Country
    region: Annotated[str, StringConstraints(min_length=4, max_length=8)] | None = None
    locale: Locale
    newsletter_opt_in: bool
    consent_text_version: Version
    partner: PartnerKey | None = None
    proof: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        default=None,
        description="A solved proof of work, '<challenge>:<nonce>', when a 428 asked for one",
    )
    fax: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        default=None, description="Leave it out: a trap for robots (a signup with it is dropped)"
    )

    @field_validator("region")
    @classmethod
    def _region_in_country(cls, region: str | None, info: ValidationInfo) -> str | None:
        # Fields validate in order: country, when valid, is known here (else its own error).
        country = info.data.get("country")
        if region is None or country is None:
            return region
        return region_code(region, country)


class VolunteerIn(PledgeIn):
    model_config = with_example(
        {
            **PLEDGE_EXAMPLE,
            "skills": ["mentoring", "digital_skills_training"],
            "availability": "few_hours_month",
            "wants_training": True,
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
    model_config = with_example(
        {"id": "7d9f4c2e-3b1a-4d5e-9f60-1a2b3c4d5e6f", "status": "pending_confirmation"}
    )

    id: uuid.UUID
    # pending_confirmation: a confirmation email is on its way (double opt-in).
    status: Literal["accepted", "pending_confirmation"]
