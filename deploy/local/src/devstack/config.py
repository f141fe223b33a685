"""Where the local stack keeps things and which ports it uses (all overridable by environment)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

FERRETDB_VERSION = "v1.24.2"
KUSTOMIZE_VERSION = "v5.8.0"
# axe-core, the accessibility engine the browser tests inject into pages (devstack.harness.axe):
# the npm package, checked against the registry's integrity for this version.
AXE_CORE_VERSION = "4.14.1"
AXE_CORE_INTEGRITY = (
    "sha512-"
    "FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
)

# FerretDB's backends (MOBILISE_STORE): SQLite files, or a PostgreSQL server of devstack's own.
STORES = ("sqlite", "postgresql")
# FerretDB keeps a pooled PostgreSQL connection per update of a write command until the command
# ends, and hangs when one command holds as many updates as the pool has connections (its default
# pool is 50, mobilise_runtime.mongo sends commands of up to 50 updates): a pool well above the
# command size, and a server taking that many connections.
POSTGRES_POOL = 200
POSTGRES_MAX_CONNECTIONS = 250


class ConfigError(ValueError):
    """A setting of the environment has a value devstack cannot use."""


def _port(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@dataclass(frozen=True)
class StackConfig:
    root: Path  # the checkout
    cache: Path  # downloads and builds, shared by every checkout on the machine
    state: Path  # this checkout's data, logs and pid files (.local/)
    kafka_port: int
    kafka_controller_port: int
    mongo_port: int
    ferretdb_debug_port: int
    redis_port: int
    store: str = "postgresql"  # one of STORES
    postgres_port: int = 15432

    @classmethod
    def from_env(cls) -> StackConfig:
        root = Path(os.environ.get("MOBILISE_ROOT", Path(__file__).resolve().parents[4]))
        store = os.environ.get("MOBILISE_STORE", "postgresql")
        if store not in STORES:
            raise ConfigError(f"MOBILISE_STORE={store!r}: choose one of {', '.join(STORES)}")
        default_cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "mobilise"
        return cls(
            root=root,
            cache=Path(os.environ.get("MOBILISE_CACHE", default_cache)),
            state=Path(os.environ.get("MOBILISE_STATE", root / ".local")),
            kafka_port=_port("MOBILISE_KAFKA_PORT", 19092),
            kafka_controller_port=_port("MOBILISE_KAFKA_CONTROLLER_PORT", 19093),
            mongo_port=_port("MOBILISE_MONGO_PORT", 27019),
            ferretdb_debug_port=_port("MOBILISE_FERRETDB_DEBUG_PORT", 27020),
            redis_port=_port("MOBILISE_REDIS_PORT", 16379),
            store=store,
            postgres_port=_port("MOBILISE_POSTGRES_PORT", 15432),
        )

    # What the services and tests connect to.
    @property
    def kafka_bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def mongo_url(self) -> str:
        return f"mongodb://127.0.0.1:{self.mongo_port}/"

    @property
    def postgres_url(self) -> str:
        """FerretDB's data when the store is PostgreSQL (loopback, trusted: dev only)."""
        return (
            f"postgres://postgres@127.0.0.1:{self.postgres_port}/ferretdb"
            f"?pool_max_conns={POSTGRES_POOL}"
        )

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    # Installed pieces.
    @property
    def kafka_pom(self) -> Path:
        return self.root / "deploy/local/kafka/pom.xml"

    @property
    def kafka_libs(self) -> Path:
        # Keyed by the pom's content: changing a version resolves a new set of jars.
        digest = hashlib.sha256(self.kafka_pom.read_bytes()).hexdigest()[:12]
        return self.cache / "kafka" / digest / "libs"

    @property
    def ferretdb_binary(self) -> Path:
        return self.cache / "ferretdb" / FERRETDB_VERSION / "ferretdb"

    @property
    def kustomize_binary(self) -> Path:
        return self.cache / "kustomize" / KUSTOMIZE_VERSION / "kustomize"

    @property
    def axe_script(self) -> Path:
        return self.cache / "axe-core" / AXE_CORE_VERSION / "axe.min.js"

    def logs(self) -> Path:
        return self.state / "logs"

    def data(self, name: str) -> Path:
        return self.state / name
