"""The JSON of campaigns and consent texts: what organisers write, what anyone may read. Dates
are aware and stored as UTC; codes are checked against ISO 3166 at the edge."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    Field,
    StringConstraints,
    model_validator,
)

from mobilise_runtime.openapi import with_example
from signup.domain.campaigns import Kind, Status
from signup.domain.limits import DEFAULT_ADDRESS, DEFAULT_PARTNER, DEFAULT_SUPPORTER, Bucket, Limits
from signup.schemas.common import Country, Locale, Slug, Version, WriteModel


def _in_utc(value: datetime) -> datetime:
    # Stored as UTC (BSON keeps no offset): a date UTC cannot represent (year 1 at +01:00, year
    # 9999 at -10:00) would otherwise fail in the database driver, as a 500.
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("date out of range") from exc


Instant = Annotated[AwareDatetime, AfterValidator(_in_utc)]


# An organiser's text, in any of the configured languages (at least one for a title); readers
# of a language it was not given in get the campaign's `fallback_locale`.
LocalisedTitle = Annotated[
    dict[Locale, Annotated[str, StringConstraints(min_length=1, max_length=200)]],
    Field(min_length=1),
]
LocalisedText = dict[Locale, Annotated[str, StringConstraints(max_length=5000)]]


CONSENT_TEXT_EXAMPLE: dict[str, Any] = {
    "version": "2026-01",
    "text": {
        "fr": "J'accepte que mes données soient utilisées pour cette campagne.",
        "en": "I agree that my data is used for this campaign.",
    },
}


class ConsentTextIn(WriteModel):
    model_config = with_example(CONSENT_TEXT_EXAMPLE)

    version: Version
    text: dict[Locale, Annotated[str, StringConstraints(min_length=1, max_length=5000)]] = Field(
        min_length=1
    )  # any languages: the campaign page shows its fallback language's to readers of others


class ConsentTextOut(BaseModel):
    model_config = with_example({**CONSENT_TEXT_EXAMPLE, "created_at": "2026-01-05T09:30:00Z"})

    version: str
    text: dict[str, str]
    created_at: datetime


def _check_dates(opens_at: datetime | None, closes_at: datetime | None) -> None:
    if opens_at and closes_at and closes_at <= opens_at:
        raise ValueError("closes_at must be after opens_at")


class BucketIn(WriteModel):
    """A token bucket: `hard` signups in a burst, refilled at `per_hour`; past `soft` of them
    (omitted or null: never) the page and the widget ask for a proof of work first."""

    hard: int = Field(ge=1, le=1_000_000)
    per_hour: int = Field(ge=1, le=10_000_000)
    soft: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _soft_below_hard(self) -> Self:
        if self.soft is not None and self.soft > self.hard:
            raise ValueError("soft must not exceed hard")
        return self

    @classmethod
    def of(cls, bucket: Bucket) -> BucketIn:
        return cls(hard=bucket.hard, per_hour=bucket.per_hour, soft=bucket.soft)


class LimitsIn(WriteModel):
    """Signup rate limits, per client network, per supporter (canonical email) and per partner
    key, each for this campaign. A bucket left out keeps its default."""

    model_config = with_example({"address": {"soft": 30, "hard": 600, "per_hour": 600}})

    address: BucketIn = Field(default_factory=lambda: BucketIn.of(DEFAULT_ADDRESS))
    supporter: BucketIn = Field(default_factory=lambda: BucketIn.of(DEFAULT_SUPPORTER))
    partner: BucketIn = Field(default_factory=lambda: BucketIn.of(DEFAULT_PARTNER))

    def limits(self) -> Limits:
        return Limits(
            address=Bucket(**self.address.model_dump()),
            supporter=Bucket(**self.supporter.model_dump()),
            partner=Bucket(**self.partner.model_dump()),
        )


CAMPAIGN_EXAMPLE: dict[str, Any] = {
    "slug": "femmes-du-numerique",
    "kind": "volunteer",
    "title": {"fr": "Femmes du numérique", "en": "Women in digital"},
    "description": {
        "fr": "Formons 50 000 femmes aux compétences numériques.",
        "en": "Let's train 50,000 women in digital skills.",
    },
    "fallback_locale": "fr",
    "goal": 50000,
    "countries": ["FR", "SN", "CI"],
    "double_opt_in": True,
    "consent_text_versions": ["2026-01"],
}


class CampaignIn(WriteModel):
    model_config = with_example(CAMPAIGN_EXAMPLE)

    slug: Slug
    kind: Kind
    title: LocalisedTitle
    description: LocalisedText = Field(default_factory=dict)
    fallback_locale: Locale = "fr"
    goal: int = Field(ge=1, le=1_000_000_000)
    countries: list[Country] = Field(default_factory=list, max_length=250)
    double_opt_in: bool = True
    opens_at: Instant | None = None
    closes_at: Instant | None = None
    consent_text_versions: list[Version] = Field(min_length=1, max_length=20)
    limits: LimitsIn = Field(default_factory=LimitsIn)

    @model_validator(mode="after")
    def _dates(self) -> Self:
        _check_dates(self.opens_at, self.closes_at)
        if self.fallback_locale not in self.title:
            raise ValueError(f"title needs a text in fallback_locale {self.fallback_locale!r}")
        return self


class CampaignPatch(WriteModel):
    """Fields to change; a campaign's slug and kind never change (links and events use them)."""

    model_config = with_example({"goal": 60000, "closes_at": "2026-12-31T23:00:00Z"})

    title: LocalisedTitle | None = None
    description: LocalisedText | None = None
    fallback_locale: Locale | None = None
    goal: int | None = Field(default=None, ge=1, le=1_000_000_000)
    countries: list[Country] | None = Field(default=None, max_length=250)
    double_opt_in: bool | None = None
    opens_at: Instant | None = None
    closes_at: Instant | None = None
    consent_text_versions: list[Version] | None = Field(default=None, min_length=1, max_length=20)
    limits: LimitsIn | None = None  # replaced whole: a bucket left out gets its default

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

    model_config = with_example(CAMPAIGN_OUT_EXAMPLE)

    id: str
    slug: str
    kind: Kind
    title: dict[str, str]
    description: dict[str, str]
    fallback_locale: str
    goal: int
    countries: list[str]
    double_opt_in: bool
    opens_at: datetime | None
    closes_at: datetime | None
    status: Status
    consent: ConsentOut


class OrganiserCampaignOut(CampaignOut):
    model_config = with_example(
        {
            **CAMPAIGN_OUT_EXAMPLE,
            "consent_text_versions": ["2026-01"],
            "created_at": "2026-02-20T14:03:00Z",
            "updated_at": "2026-02-20T14:03:00Z",
            "created_by": "admin",
            "limits": Limits().to_dict(),
        }
    )

    consent_text_versions: list[str]
    created_at: datetime
    updated_at: datetime
    created_by: str
    limits: LimitsIn
