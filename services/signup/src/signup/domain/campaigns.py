"""A campaign and the rules a signup must pass to be accepted by it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from mobilise_runtime.errors import Rejected
from mobilise_runtime.locales import Shown, shown
from signup.domain.errors import Closed, NotOpenYet
from signup.domain.limits import Limits

Kind = Literal["pledge", "volunteer"]
Status = Literal["scheduled", "open", "closed"]


@dataclass(frozen=True)
class Localised:
    """An organiser's text in the languages they gave it in; a reader of any other language
    gets the campaign's fallback language's text."""

    texts: Mapping[Any, str]  # language -> text; Any: Locale keys from the API, str from Mongo
    fallback: str = "fr"

    def shown(self, locale: str) -> Shown:
        return shown(self.texts, locale, self.fallback)

    def get(self, locale: str) -> str:
        return self.shown(locale).text


@dataclass(frozen=True)
class Campaign:
    id: str
    slug: str
    kind: Kind
    title: Localised
    description: Localised
    goal: int
    countries: tuple[str, ...]  # empty: every country
    double_opt_in: bool
    opens_at: datetime | None
    closes_at: datetime | None
    closed: bool  # closed by an organiser, whatever the dates say
    consent_text_versions: tuple[str, ...]  # accepted versions; the last one is shown
    created_at: datetime
    updated_at: datetime
    created_by: str
    limits: Limits = field(default_factory=Limits)

    @property
    def fallback_locale(self) -> str:
        return self.title.fallback

    @property
    def consent_text_version(self) -> str:
        return self.consent_text_versions[-1]

    def status(self, now: datetime) -> Status:
        if self.closed or (self.closes_at is not None and now >= self.closes_at):
            return "closed"
        if self.opens_at is not None and now < self.opens_at:
            return "scheduled"
        return "open"

    def check_accepts(self, *, now: datetime, country: str, consent_text_version: str) -> None:
        status = self.status(now)
        if status == "scheduled":
            assert self.opens_at is not None
            raise NotOpenYet(f"this campaign opens on {self.opens_at.isoformat()}")
        if status == "closed":
            raise Closed("this campaign is closed and no longer takes signups")
        if self.countries and country not in self.countries:
            raise Rejected(
                f"this campaign is open to {', '.join(self.countries)}, not {country}",
                field="country",
            )
        if consent_text_version not in self.consent_text_versions:
            raise Rejected(
                f"consent text version {consent_text_version!r} is not one of this campaign's "
                f"({', '.join(self.consent_text_versions)})",
                field="consent_text_version",
            )
