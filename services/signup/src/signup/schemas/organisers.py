"""The JSON of organiser management (admin only): create with a role and campaigns, list, change,
revoke. What a token's holder sees of themselves (GET /api/v1/organisers/me) is schemas/common.py's
OrganiserOut."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, Field, StringConstraints, model_validator

from mobilise_runtime.openapi import with_example
from signup.domain.organisers import Role
from signup.domain.text import clean_name
from signup.schemas.campaigns import Instant
from signup.schemas.common import ORGANISER_EXAMPLE, OrganiserOut, Slug, WriteModel
from signup.schemas.signups import Email

MAX_CAMPAIGNS = 500
OrganiserName = Annotated[
    str, StringConstraints(min_length=1, max_length=120), AfterValidator(clean_name)
]
ORGANISER_IN_EXAMPLE: dict[str, Any] = {
    "name": "Awa Diallo",
    "email": "awa@association.example",
    "role": "organiser",
    "campaigns": ["femmes-du-numerique"],
}
RECORD_EXAMPLE: dict[str, Any] = {
    **ORGANISER_EXAMPLE,
    "created_at": "2026-03-01T10:00:00Z",
    "revoked_at": None,
}


def _unique(campaigns: list[str] | None) -> None:
    if campaigns is not None and len(set(campaigns)) != len(campaigns):
        raise ValueError("campaigns are listed more than once")


class OrganiserIn(WriteModel):
    model_config = with_example(ORGANISER_IN_EXAMPLE)

    name: OrganiserName
    email: Email
    role: Role
    # Slugs of existing campaigns; an organiser also gets every campaign they create later.
    campaigns: list[Slug] = Field(default_factory=list, max_length=MAX_CAMPAIGNS)
    # When the token given now stops working (none: when revoked).
    expires_at: Instant | None = None

    @model_validator(mode="after")
    def _checks(self) -> Self:
        _unique(self.campaigns)
        if self.expires_at is not None and self.expires_at <= datetime.now(self.expires_at.tzinfo):
            raise ValueError("expires_at is in the past")
        return self


class OrganiserPatch(WriteModel):
    """What may change: the role and the campaigns (the list replaced whole)."""

    model_config = with_example({"campaigns": ["femmes-du-numerique"]})

    role: Role | None = None
    campaigns: list[Slug] | None = Field(default=None, max_length=MAX_CAMPAIGNS)

    @model_validator(mode="after")
    def _checks(self) -> Self:
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} may not be null")
        _unique(self.campaigns)
        return self


class OrganiserRecordOut(OrganiserOut):
    model_config = with_example(RECORD_EXAMPLE)

    created_at: datetime | None
    # Set once revoked: none of their tokens works any more (a new one reinstates them).
    revoked_at: datetime | None


class OrganiserCreated(OrganiserRecordOut):
    model_config = with_example(
        {
            **RECORD_EXAMPLE,
            "token": "hT3q9c1kZf0v7Yp2wLx8Nd4sRb6mEa5uJg0oKi1tQyc",
            "expires_at": None,
        }
    )

    # Shown once: only its SHA-256 is kept.
    token: str
    expires_at: datetime | None


class SessionOut(BaseModel):
    """A redeemed sign-in link: the console's session."""

    model_config = with_example(
        {
            "token": "Q2hhbmdlIG1lOiBhIHJhbmRvbSAyNTYtYml0IHRva2Vu",
            "expires_at": "2026-03-08T22:00:00Z",
            "organiser": ORGANISER_EXAMPLE,
        }
    )

    # An organiser token for the console's session: it works until `expires_at`.
    token: str
    expires_at: datetime
    organiser: OrganiserOut
