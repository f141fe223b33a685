"""Where the local stack keeps things and which ports it uses (all overridable by environment)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

FERRETDB_VERSION = "v1.24.2"
KUSTOMIZE_VERSION = "v5.8.0"


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

    @classmethod
    def from_env(cls) -> StackConfig:
        root = Path(os.environ.get("MOBILISE_ROOT", Path(__file__).resolve().parents[4]))
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
        )

    # What the services and tests connect to.
    @property
    def kafka_bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def mongo_url(self) -> str:
        return f"mongodb://127.0.0.1:{self.mongo_port}/"

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

    def logs(self) -> Path:
        return self.state / "logs"

    def data(self, name: str) -> Path:
        return self.state / name
