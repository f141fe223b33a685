"""The events mobilise services exchange, one class per topic.

Field names are the wire format: rename only with a new schema version (a new topic `.v2`)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mobilise_events.base import Event, UtcDatetime

# The languages mobilise speaks (docs/languages.md); adding one is this line and its catalog.
# Events of older versions, with fewer languages, stay readable.
Locale = Literal["fr", "en", "ar", "ro"]
CountryCode = str  # ISO 3166-1 alpha-2, validated by the signup service before publishing
SupporterKey = str  # HMAC(campaign, canonical email): lets the counter dedupe without personal data


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Signup(Event):
    """Fields shared by the two kinds of signup."""

    personal_data: ClassVar[bool] = True
    co_partitioned: ClassVar[bool] = True

    signup_id: uuid.UUID
    campaign_id: str
    campaign_slug: str
    supporter_key: SupporterKey
    email: str
    first_name: str
    last_name: str | None = None
    country: CountryCode
    region: str | None = None
    locale: Locale
    newsletter_opt_in: bool
    consent_text_version: str
    partner: str | None = None
    double_opt_in: bool
    # Version 2: no link tokens; the mailer mints them from the fields above when it records the
    # recipient (mobilise_runtime.link_tokens). Version 1 carried them, minted by the signup
    # service (confirm_token None without double opt-in): still read, and used as they are.
    schema_version: int = 2
    confirm_token: str | None = None
    unsubscribe_token: str | None = None
    # The client's network truncated to /24 (IPv4) or /48 (IPv6), never its address: what an
    # organiser's invalidation by network matches on (None when the address was unknown).
    client_network: str | None = None


class PledgeSigned(Signup):
    topic: ClassVar[str] = "pledge.signed.v1"


class VolunteerRegistered(Signup):
    topic: ClassVar[str] = "volunteer.registered.v1"

    skills: tuple[str, ...] = ()
    availability: str | None = None
    wants_training: bool = False


class SignupConfirmed(Event):
    topic: ClassVar[str] = "signup.confirmed.v1"
    personal_data: ClassVar[bool] = False
    co_partitioned: ClassVar[bool] = True

    signup_id: uuid.UUID
    campaign_id: str
    supporter_key: SupporterKey


class SupporterUnsubscribed(Event):
    topic: ClassVar[str] = "supporter.unsubscribed.v1"
    personal_data: ClassVar[bool] = True

    email: str
    # None: from every campaign's mailings.
    campaign_id: str | None = None
    source: Literal["link", "one_click", "webhook", "organiser"] = "link"
    reason: Literal["unsubscribe", "bounce", "dropped", "spamreport"] | None = None


class ErasedSignup(_Part):
    campaign_id: str
    supporter_key: SupporterKey


class SupporterErased(Event):
    topic: ClassVar[str] = "supporter.erased.v1"
    personal_data: ClassVar[bool] = True

    email: str
    signups: tuple[ErasedSignup, ...] = ()


class SignupsInvalidated(Event):
    """Signups an organiser took out of a campaign's counts, or put back (`action: revert` of an
    earlier invalidation, same `invalidation_id`). It names the ledger entries themselves, never a
    filter: the counter subtracts exactly what it counted for them, and a replay matches the same
    ones. A large invalidation travels as several parts (`part` of `parts`), each applied alone."""

    topic: ClassVar[str] = "signups.invalidated.v1"
    # Supporter keys are keyed hashes the counter holds anyway; no address, no name.
    personal_data: ClassVar[bool] = False
    # Invalidations count against the same ledger entries as the signups: they travel with them.
    co_partitioned: ClassVar[bool] = True

    invalidation_id: uuid.UUID
    campaign_id: str
    action: Literal["invalidate", "revert"] = "invalidate"
    supporter_keys: tuple[SupporterKey, ...]
    part: int = 1
    parts: int = 1


class Audience(_Part):
    countries: tuple[CountryCode, ...] | None = None
    confirmed_only: bool = False
    locale: Locale | None = None


class LocalisedText(_Part):
    """A text in the languages it was given in (`texts`), shown in `fallback` to readers of any
    other language. `fr` and `en` are what readers from before other languages read: every
    writer sets them, to the fallback's text where that language was not given. Events from
    before `texts` have `fr` and `en` alone: both given, French the fallback."""

    fr: str = Field(min_length=1)
    en: str = Field(min_length=1)
    texts: dict[Locale, str] = Field(default_factory=dict)
    fallback: Locale = "fr"

    @model_validator(mode="after")
    def _given(self) -> Self:
        if not self.texts:
            object.__setattr__(self, "texts", {"fr": self.fr, "en": self.en})
        elif not self.texts.get(self.fallback):
            raise ValueError(f"no text in its fallback language {self.fallback!r}")
        return self

    @classmethod
    def of(cls, texts: Mapping[Any, str], fallback: Locale) -> LocalisedText:
        given = {k: v for k, v in texts.items() if v}
        base = given.get(fallback, "")
        return cls(
            fr=given.get("fr", base),
            en=given.get("en", base),
            texts=given,
            fallback=fallback,
        )

    def shown(self, locale: str) -> tuple[str, Locale]:
        """The text for a reader of `locale`, and the language it is in."""
        for language in (locale, self.fallback):
            text = self.texts.get(language)  # type: ignore[call-overload]
            if text:
                return text, language  # type: ignore[return-value]
        return self.fr, "fr"

    def get(self, locale: str) -> str:
        return self.shown(locale)[0]


class MailingRequested(Event):
    topic: ClassVar[str] = "mailing.requested.v1"
    personal_data: ClassVar[bool] = False

    mailing_id: uuid.UUID
    campaign_id: str
    subject: LocalisedText
    body_template: LocalisedText
    audience: Audience
    requested_at: UtcDatetime | None = None


# Every event, one per topic.
EVENT_TYPES: tuple[type[Event], ...] = (
    PledgeSigned,
    VolunteerRegistered,
    SignupConfirmed,
    SupporterUnsubscribed,
    SupporterErased,
    MailingRequested,
    SignupsInvalidated,
)
