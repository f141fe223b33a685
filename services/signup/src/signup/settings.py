"""Signup service settings (env prefix SIGNUP_; shared ones come from MOBILISE_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from mobilise_runtime.settings import SharedSettings


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SIGNUP_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    mongo_database: str = "mobilise_signup"
    shared: SharedSettings = Field(default_factory=SharedSettings)
