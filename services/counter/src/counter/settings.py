"""Counter service settings (env prefix COUNTER_; shared ones come from MOBILISE_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from mobilise_runtime.settings import ServiceSettings


class StoreSettings(ServiceSettings):
    """What the consumer and the reconcile command need: the database and the group."""

    model_config = SettingsConfigDict(env_prefix="COUNTER_")

    mongo_database: str = "mobilise_counter"
    consumer_group: str = "counter"
    # Events applied per batch (one write per document per batch).
    max_batch: int = Field(default=2000, ge=1)
    # How long a rebalance waits for a member to finish its batch in hand and hand its
    # partitions over: longer than the slowest batch, which is one that reads the ledger of its
    # partitions again (~10 s per 100,000 supporters on FerretDB). A member slower than that
    # is put out of the group while it still writes (its writes are then refused, see
    # repository/), and its partitions wait.
    rebalance_timeout_ms: int = Field(default=60_000, ge=1000)


class Settings(StoreSettings):
    """The read API's settings."""

    host: str = "127.0.0.1"
    port: int = 8001
    # The signup service, asked for campaigns' public descriptions (goal, titles, existence).
    signup_url: str = "http://127.0.0.1:8000"
