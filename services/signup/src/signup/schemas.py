"""The JSON the signup API takes and gives, the parts its models share: bounded, checked field
types and the base of every write model (it refuses unknown fields). Campaigns' models are in
campaign_schemas.py, pledges' and volunteers' in signup_schemas.py, partners' in
partner_schemas.py."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

from signup.domain.regions import country_code

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


class WriteModel(BaseModel):
    """What every write model is: unknown fields refused, strings stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


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
