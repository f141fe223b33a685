"""Signup service settings (env prefix SIGNUP_; shared ones come from MOBILISE_)."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from mobilise_runtime.settings import ServiceSettings
from signup.domain.clients import Network, parse_networks


class StoreSettings(ServiceSettings):
    """What the processes that only read and write the database need (projector, admin CLI)."""

    model_config = SettingsConfigDict(env_prefix="SIGNUP_")

    mongo_database: str = "mobilise_signup"
    projector_group: str = "signup-projector"


class ProjectorSettings(StoreSettings):
    """signup-projector's: it keys erasure tombstones as the API keys supporters."""

    # Keys supporters for dedupe (HMAC): never change it, or repeats stop being recognised.
    supporter_key_secret: SecretStr


class Settings(ProjectorSettings):
    """The API's settings."""

    host: str = "127.0.0.1"
    port: int = 8000
    # Where supporters reach this service: the base of every link in pages and emails.
    public_url: str = "http://127.0.0.1:8000"
    # The counter service, asked for campaign progress (server to server).
    counter_url: str = "http://127.0.0.1:8001"
    # The mailer service, asked for its part of an access request (server to server); None: the
    # export answers this service's records only.
    mailer_url: str | None = None
    # Comma-separated Fernet keys of the links we email; the first signs, all are accepted. The
    # mailer mints the confirm and unsubscribe links with the same keys (MAILER_TOKEN_KEYS).
    token_keys: SecretStr
    confirm_link_days: int = Field(default=30, ge=1)
    # The organisers' console: the base of its sign-in links, their lifetime, and how long the
    # organiser token a redeemed link gives the console (a session) works.
    console_url: str = "http://127.0.0.1:8004"
    sign_in_link_minutes: int = Field(default=15, ge=1, le=60)
    console_session_hours: int = Field(default=12, ge=1, le=24 * 7)
    # Sign-in links that may be asked in an hour for one email address, and from one client
    # network (the console passes its client on in X-Forwarded-For: trust its address in
    # SIGNUP_TRUSTED_PROXIES, or every organiser shares the console's own limit).
    sign_in_links_per_address: int = Field(default=5, ge=1)
    sign_in_links_per_network: int = Field(default=30, ge=1)
    # The data-protection charter every consent wording links to.
    charter_url: str = "/privacy"
    max_body_bytes: int = Field(default=16_384, ge=1024)
    # How long a signup may wait for Kafka's acknowledgement before the client is told 503.
    publish_timeout_s: float = Field(default=5.0, gt=0)
    # Comma-separated CIDRs of the reverse proxies whose X-Forwarded-For is believed; none by
    # default: the peer is the client. make run and the tests trust loopback.
    trusted_proxies: str = ""
    # Leading zero bits of a proof of work: 2**bits SHA-256 on average (14: ~16k, a fraction of a
    # second in a cheap phone's browser), and how long a challenge may be solved.
    proof_bits: int = Field(default=14, ge=1, le=24)
    proof_ttl_s: int = Field(default=300, ge=10, le=3600)

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        parse_networks(value)
        return value

    @property
    def trusted_networks(self) -> tuple[Network, ...]:
        return parse_networks(self.trusted_proxies)
