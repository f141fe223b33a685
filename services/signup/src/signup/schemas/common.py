"""The JSON the signup API takes and gives, the parts its models share: bounded, checked field
types and the base of every write model (it refuses unknown fields). Campaigns' models are in
schemas/campaigns.py, pledges' and volunteers' in schemas/signups.py, partners' in
schemas/partners.py."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

from mobilise_runtime.locales import Locale as Locale
from mobilise_runtime.openapi import with_example
from signup.domain.organisers import Role
from signup.domain.regions import country_code

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


class WriteModel(BaseModel):
    """What every write model is: unknown fields refused, strings stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


ORGANISER_EXAMPLE: dict[str, Any] = {
    "id": "4f1c2b3a5d6e7f8091a2b3c4d5e6f708",
    "name": "Awa Diallo",
    "email": "awa@association.example",
    "role": "organiser",
    "campaigns": ["femmes-du-numerique"],
    "campaign_ids": ["5d1e6f7a8b9c0d1e2f3a4b5c"],
}


class OrganiserOut(BaseModel):
    """Who a token belongs to, and what they may act on: the other services ask this to know an
    organiser (GET /api/v1/organisers/me)."""

    model_config = with_example(ORGANISER_EXAMPLE)

    id: str
    name: str
    # Empty for the admin token, which belongs to no one.
    email: str
    # admin: every campaign, organisers, requests by email; organiser: `campaigns` only.
    role: Role
    # Slugs, and the same campaigns' ids (what events and the other services name them by);
    # empty for an admin, who may act on every campaign.
    campaigns: list[str]
    campaign_ids: list[str]
