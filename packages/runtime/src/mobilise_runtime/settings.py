"""Settings every mobilise process reads (env prefix MOBILISE_), and the base each service's own
settings build on."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class SharedSettings(BaseSettings):
    """Where the infrastructure is and how to log. Defaults match `devstack` (make run, test)."""

    model_config = SettingsConfigDict(env_prefix="MOBILISE_", extra="ignore")

    kafka_bootstrap: str = "127.0.0.1:19092"
    mongo_url: str = "mongodb://127.0.0.1:27019/"
    redis_url: str = "redis://127.0.0.1:16379/0"
    # Replicas of each topic `mobilise-topics` creates: 1 on the single dev broker, 3 in production.
    kafka_replication_factor: int = Field(default=1, ge=1)
    # Prepended to every topic name: lets tests (and several deployments) share one broker.
    topic_prefix: str = ""
    log_format: Literal["json", "console"] = "json"
    log_level: str = "INFO"
    # Organiser endpoints compare their bearer token with this one; None refuses every
    # organiser call.
    admin_token: SecretStr | None = None
    # Upper bound on each readiness check, in seconds.
    probe_timeout: float = Field(default=2.0, gt=0)
    # Where processes without an API of their own (the consumers) serve Prometheus metrics;
    # None: they serve none. APIs serve theirs at /metrics on their own port.
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_host: str = "127.0.0.1"
    # Let several processes of one API listen on the same port (SO_REUSEPORT: the kernel spreads
    # connections over them). Off by default, so that a port already taken fails loudly.
    reuse_port: bool = False

    def topic(self, name: str) -> str:
        return f"{self.topic_prefix}{name}"


class ServiceSettings(BaseSettings):
    """Base of a service's settings: each subclass names its env prefix (`SIGNUP_`, …) in its
    model_config; variables of other services are ignored (one environment may serve every
    process), and the shared MOBILISE_ ones come along as `shared`."""

    model_config = SettingsConfigDict(extra="ignore")

    shared: SharedSettings = Field(default_factory=SharedSettings)
