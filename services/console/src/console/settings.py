"""Console settings (env prefix CONSOLE_; shared ones come from MOBILISE_)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from mobilise_runtime.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CONSOLE_")

    host: str = "127.0.0.1"
    port: int = 8004
    # Where organisers reach the console; https makes the session cookie Secure.
    public_url: str = "http://127.0.0.1:8004"
    # The three APIs, server to server (may be internal addresses).
    signup_api_url: str = "http://127.0.0.1:8000"
    counter_api_url: str = "http://127.0.0.1:8001"
    mailer_api_url: str = "http://127.0.0.1:8002"
    # The hosted pages as organisers' browsers reach them (previews). The live totals need no
    # public address: the console relays the counter's stream.
    signup_public_url: str = "http://127.0.0.1:8000"
    # Encrypts and signs the session cookie (any long random string; changing it signs everyone
    # out). Required.
    session_secret: SecretStr
    # A session ends after this long whatever the API token's own expiry says.
    session_hours: int = Field(default=12, ge=1, le=24 * 7)
    api_timeout_s: float = Field(default=10.0, gt=0)

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")
