"""The JSON of invalidations: the filter an organiser asks with, and the record kept of each."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, StringConstraints, field_validator, model_validator

from mobilise_runtime.openapi import with_example
from signup.domain.invalidations import Filter, parse_network
from signup.schemas.campaigns import Instant
from signup.schemas.common import PartnerKey, WriteModel

Domain = Annotated[
    str,
    StringConstraints(
        min_length=3,
        max_length=253,
        to_lower=True,
        pattern=r"^([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9-]{2,63}$",
    ),
]
Reason = Annotated[str, StringConstraints(min_length=3, max_length=500)]
FILTER_EXAMPLE: dict[str, Any] = {
    "network": "203.0.113.0/24",
    "signed_from": "2026-03-08T09:00:00Z",
    "signed_until": "2026-03-08T10:00:00Z",
}
RECORD_EXAMPLE: dict[str, Any] = {
    "id": "3f0c9a56-8d1e-4e55-9a43-3b0f3c1f2d7e",
    "campaign": "femmes-du-numerique",
    "filter": FILTER_EXAMPLE,
    "reason": "312 signups from one /24 in an hour, names from a list",
    "matched": 312,
    "state": "applied",
    "by": "5f1d0c6e9b2a4c7d8e3f1a2b",
    "by_name": "Awa Diop",
    "at": "2026-03-08T11:02:00Z",
}


class FilterIn(WriteModel):
    """Every criterion given must hold; at least one is needed."""

    model_config = with_example(FILTER_EXAMPLE)

    email_domain: Domain | None = None
    network: Annotated[str, StringConstraints(max_length=64)] | None = None
    partner: PartnerKey | None = None
    signed_from: Instant | None = None
    signed_until: Instant | None = None

    @field_validator("network")
    @classmethod
    def _network(cls, value: str | None) -> str | None:
        return None if value is None else str(parse_network(value))

    def to_filter(self) -> Filter:
        return Filter(
            email_domain=self.email_domain,
            network=None if self.network is None else parse_network(self.network),
            partner=self.partner,
            signed_from=self.signed_from,
            signed_until=self.signed_until,
        )

    @model_validator(mode="after")
    def _answerable(self) -> Self:
        self.to_filter()  # BadFilter (a ValueError) is a 422 like any other invalid field
        return self


class InvalidationIn(WriteModel):
    model_config = with_example({"filter": FILTER_EXAMPLE, "reason": RECORD_EXAMPLE["reason"]})

    filter: FilterIn
    reason: Reason


class RevertIn(WriteModel):
    model_config = with_example({"reason": "a school's computer room, checked by phone"})

    reason: Reason


class DryRunOut(BaseModel):
    model_config = with_example({"filter": FILTER_EXAMPLE, "matched": 312})

    filter: FilterIn
    # Counted signups the filter matches, less those another invalidation holds out already.
    matched: int


class InvalidationOut(BaseModel):
    model_config = with_example(RECORD_EXAMPLE)

    id: uuid.UUID
    campaign: str
    filter: FilterIn
    reason: str
    matched: int
    state: Literal["publishing", "applied", "reverted"]
    by: str  # the organiser's id ("admin": the MOBILISE_ADMIN_TOKEN, "cli": the command line)
    by_name: str
    at: datetime
    reverted_by: str | None = None
    reverted_by_name: str | None = None
    reverted_at: datetime | None = None
    revert_reason: str | None = None
