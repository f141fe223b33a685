"""Counter service settings (env prefix COUNTER_; shared ones come from MOBILISE_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from mobilise_runtime.settings import SharedSettings


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COUNTER_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8001
    mongo_database: str = "mobilise_counter"
    consumer_group: str = "counter"
    shared: SharedSettings = Field(default_factory=SharedSettings)
