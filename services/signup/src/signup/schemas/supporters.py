"""The JSON of the organiser's GDPR requests by email: export (everything this service holds on
the person) and erasure."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

from mobilise_runtime.openapi import with_example
from signup.schemas.common import Locale, WriteModel
from signup.schemas.signups import PLEDGE_EXAMPLE, Email

CONSENT_EXAMPLE: dict[str, Any] = {
    "signup_id": "0b8f2a5e-4c1d-4e7a-9f3b-6d2c8e1a7b90",
    "at": "2026-03-08T09:30:00Z",
    "consent_text_version": "2026-01",
    "newsletter_opt_in": True,
    "partner": None,
}
RECORD_EXAMPLE: dict[str, Any] = {
    "campaign_id": "5d1e6f7a8b9c0d1e2f3a4b5c",
    "kind": "pledge",
    # What the pledge example gave, as the record keeps it (its consent is in `consents`).
    **{k: v for k, v in PLEDGE_EXAMPLE.items() if k != "consent_text_version"},
    "partner": None,
    "volunteer": None,
    "signed_at": "2026-03-08T09:30:00Z",
    "confirmed": True,
    "confirmed_at": "2026-03-08T09:41:00Z",
    "unsubscribed_at": None,
    "consents": [CONSENT_EXAMPLE],
}


class SupporterEmailIn(WriteModel):
    """Whose data: validated and normalised as a signup's address is."""

    model_config = with_example({"email": "awa.diop@example.org"})

    email: Email


class ConsentOut(BaseModel):
    model_config = with_example(CONSENT_EXAMPLE, extra="ignore")

    signup_id: str
    at: datetime
    consent_text_version: str
    newsletter_opt_in: bool
    partner: str | None = None


class SupporterRecordOut(BaseModel):
    """One campaign's record of the person, with every consent they gave it."""

    model_config = with_example(RECORD_EXAMPLE, extra="ignore")

    campaign_id: str
    kind: Literal["pledge", "volunteer"]
    email: str
    first_name: str
    last_name: str | None = None
    country: str
    region: str | None = None
    locale: Locale
    newsletter_opt_in: bool
    partner: str | None = None
    volunteer: dict[str, Any] | None = None
    signed_at: datetime
    confirmed: bool = False
    confirmed_at: datetime | None = None
    unsubscribed_at: datetime | None = None
    consents: list[ConsentOut] = []


class SupporterExportOut(BaseModel):
    """Everything the signup service holds on one address (an empty list: nothing)."""

    model_config = with_example(
        {
            "source": "signup",
            "generated_at": "2026-11-29T09:30:00Z",
            "email": "awa.diop@example.org",
            "records": [RECORD_EXAMPLE],
        }
    )

    source: Literal["signup"] = "signup"
    generated_at: datetime
    email: str
    records: list[SupporterRecordOut]
    # What the mailer holds (its POST /api/v1/supporters/export), when SIGNUP_MAILER_URL is set.
    mailer: dict[str, Any] | None = None


class ErasureAccepted(BaseModel):
    """The erasure is durably published: one `supporter.erased.v1` per campaign the person
    signed (`campaigns`); every service applies it shortly."""

    model_config = with_example({"campaigns": 2})

    campaigns: int
