"""Mailer service settings (env prefix MAILER_; shared ones come from MOBILISE_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from mobilise_runtime.settings import SharedSettings


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MAILER_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8002
    mongo_database: str = "mobilise_mailer"
    consumer_group: str = "mailer"
    # The Redis list Celery keeps the mailer's tasks in (tests use their own).
    celery_queue: str = "mailer"
    worker_concurrency: int = Field(default=2, ge=1)
    shared: SharedSettings = Field(default_factory=SharedSettings)
