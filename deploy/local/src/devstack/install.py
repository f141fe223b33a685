"""Installs what the local stack runs, once per machine, into the download cache.

Kafka's jars come from Maven Central through mvn; FerretDB is built from its Go module with the
local Go toolchain; Redis is Debian's redis-server, and PostgreSQL (where FerretDB stores its data
unless MOBILISE_STORE=sqlite) Debian's postgresql. Each step is skipped when its result is
there."""

from __future__ import annotations

import base64
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from devstack.config import (
    AXE_CORE_INTEGRITY,
    AXE_CORE_VERSION,
    FERRETDB_VERSION,
    KUSTOMIZE_VERSION,
    StackConfig,
)
from devstack.output import say


class MissingPrerequisite(RuntimeError):
    """A tool the stack needs is not on this machine."""


def _require(tool: str, why: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise MissingPrerequisite(f"`{tool}` is not installed: it is needed {why}.")
    return path


def require_java() -> str:
    java = _require("java", "to run the Kafka broker (Java 17 or newer)")
    banner = subprocess.run([java, "-version"], capture_output=True, text=True, check=False).stderr
    match = re.search(r'version "(\d+)', banner)
    if match is None or int(match.group(1)) < 17:
        raise MissingPrerequisite(f"Kafka 4 needs Java 17 or newer; `java -version` says: {banner}")
    return java


def install_kafka(cfg: StackConfig) -> Path:
    libs = cfg.kafka_libs
    if (libs / ".complete").exists():
        return libs
    require_java()
    mvn = _require("mvn", "to fetch the Kafka broker's jars from Maven Central")
    say(f"resolving the Kafka broker jars with mvn into {libs} …")
    libs.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=libs.parent) as tmp:
        resolved = subprocess.run(
            [
                mvn, "-B", "-q", "-f", str(cfg.kafka_pom),
                f"-Dmaven.repo.local={cfg.cache / 'm2'}",
                "dependency:copy-dependencies",
                f"-DoutputDirectory={tmp}/libs",
                "-DincludeScope=runtime",
            ],
            capture_output=True,
            text=True,
            check=False,
        )  # fmt: skip
        if resolved.returncode != 0:
            raise MissingPrerequisite(
                f"mvn could not resolve the Kafka jars:\n{resolved.stdout[-3000:]}{resolved.stderr}"
            )
        (Path(tmp) / "libs" / ".complete").touch()
        shutil.rmtree(libs, ignore_errors=True)
        os.replace(Path(tmp) / "libs", libs)
    return libs


def _go_env(cfg: StackConfig) -> dict[str, str]:
    return {
        **os.environ,
        "GOMODCACHE": str(cfg.cache / "go" / "mod"),
        "GOCACHE": str(cfg.cache / "go" / "build"),
        # Module files writable, so that the cache folder can simply be deleted.
        "GOFLAGS": "-modcacherw",
        "GOTOOLCHAIN": "local",
    }


def _go_building(binary: Path, name: str, version: str, why: str) -> str:
    """The go command, once it is said what it builds from its Go module, and why."""
    go = _require("go", f"to build {name} ({why})")
    say(f"building {name} {version} from its Go module into {binary.parent} …")
    return go


def install_ferretdb(cfg: StackConfig) -> Path:
    binary = cfg.ferretdb_binary
    if binary.exists():
        return binary
    why = "the MongoDB-wire database of the local stack"
    go = _go_building(binary, "FerretDB", FERRETDB_VERSION, why)
    env = _go_env(cfg)
    module = f"github.com/FerretDB/FerretDB@{FERRETDB_VERSION}"
    info = subprocess.run(
        [go, "mod", "download", "-json", module], env=env, check=True, capture_output=True
    )
    source = Path(json.loads(info.stdout)["Dir"])
    binary.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=binary.parent) as tmp:
        tree = Path(tmp) / "src"
        shutil.copytree(source, tree)
        # The module as published has no build/version/version.txt, so a plain
        # `go install …/cmd/ferretdb@version` builds a binary that panics at start-up: stamp the
        # version the way FerretDB's own release build does, then build the same command.
        (tree / "build" / "version" / "version.txt").write_text(FERRETDB_VERSION + "\n")
        built = Path(tmp) / "ferretdb"
        subprocess.run(
            [go, "build", "-trimpath", "-buildvcs=false", "-o", str(built), "./cmd/ferretdb"],
            cwd=tree,
            env=env,
            check=True,
        )
        os.replace(built, binary)
    return binary


def install_redis() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    _install_debian_package("redis-server", "Redis (the Celery broker of the local stack)")
    return _require("redis-server", "for the local stack's Redis")


# Debian installs each PostgreSQL major version's server programs here, off the PATH.
POSTGRES_BIN_GLOB = "/usr/lib/postgresql/*/bin"


def postgres_bin(pattern: str = POSTGRES_BIN_GLOB) -> Path | None:
    """The newest installed PostgreSQL's server programs (initdb, postgres, psql), if any."""
    found = [Path(p) for p in glob.glob(pattern) if (Path(p) / "postgres").exists()]
    versions = [p for p in found if p.parent.name.isdigit() and (p / "initdb").exists()]
    return max(versions, key=lambda p: int(p.parent.name), default=None)


def install_postgresql() -> Path:
    found = postgres_bin()
    if found is not None:
        return found
    _install_debian_package("postgresql", "FerretDB on PostgreSQL (MOBILISE_STORE=postgresql)")
    found = postgres_bin()
    if found is None:
        raise MissingPrerequisite(f"Debian's postgresql installed no server in {POSTGRES_BIN_GLOB}")
    return found


def _install_debian_package(package: str, why: str) -> None:
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        raise MissingPrerequisite(
            f"{why} needs Debian's `{package}` package: install it (apt-get install {package})."
        )
    say(f"installing Debian's {package} …")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([apt, "-q", "update"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(
        [apt, "-q", "install", "-y", "--no-install-recommends", package],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )


CHROMIUM = "/usr/bin/chromium"


def install_browser() -> str:
    """Debian's chromium, which the browser tests drive through Playwright (never a download of
    Playwright's own browser builds)."""
    if not Path(CHROMIUM).exists():
        _install_debian_package("chromium", "The browser tests")
    return CHROMIUM


def install_axe(cfg: StackConfig) -> Path:
    """axe-core's axe.min.js, from the npm package through npm (the browser tests inject it into
    pages: devstack.harness.axe); the tests themselves never download anything."""
    script = cfg.axe_script
    if script.exists():
        return script
    if shutil.which("npm") is None:
        _install_debian_package("npm", "Fetching axe-core (for the browser tests)")
    npm = _require("npm", "to fetch axe-core (the accessibility checks of the browser tests)")
    say(f"fetching axe-core {AXE_CORE_VERSION} with npm into {script.parent} …")
    script.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=script.parent) as tmp:
        subprocess.run(
            [
                npm, "pack", f"axe-core@{AXE_CORE_VERSION}", "--pack-destination", tmp,
                "--cache", str(cfg.cache / "npm"), "--silent",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            cwd=tmp,
        )  # fmt: skip
        tarball = Path(tmp) / f"axe-core-{AXE_CORE_VERSION}.tgz"
        algorithm, _, expected = AXE_CORE_INTEGRITY.partition("-")
        digest = base64.b64encode(hashlib.new(algorithm, tarball.read_bytes()).digest()).decode()
        if digest != expected:
            raise MissingPrerequisite(f"{tarball.name} is not the package expected (integrity)")
        with tarfile.open(tarball) as archive:
            member = archive.extractfile("package/axe.min.js")
            if member is None:
                raise MissingPrerequisite(f"{tarball.name} holds no package/axe.min.js")
            (Path(tmp) / "axe.min.js").write_bytes(member.read())
        os.replace(Path(tmp) / "axe.min.js", script)
    return script


def install_kustomize(cfg: StackConfig) -> Path:
    """kustomize, built from its Go module: renders deploy/k8s for the deployment checks."""
    binary = cfg.kustomize_binary
    if binary.exists():
        return binary
    go = _go_building(binary, "kustomize", KUSTOMIZE_VERSION, "renders deploy/k8s in tests")
    binary.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=binary.parent) as tmp:
        subprocess.run(
            [go, "install", f"sigs.k8s.io/kustomize/kustomize/v5@{KUSTOMIZE_VERSION}"],
            env={**_go_env(cfg), "GOBIN": tmp},
            cwd=tmp,
            check=True,
        )
        os.replace(Path(tmp) / "kustomize", binary)
    return binary


def install_compose() -> str:
    """Debian's docker-compose: its `config` parses and validates docker-compose.yml without
    needing a Docker engine."""
    found = shutil.which("docker-compose")
    if found:
        return found
    _install_debian_package("docker-compose", "Validating docker-compose.yml")
    return _require("docker-compose", "to validate docker-compose.yml")


def install_all(cfg: StackConfig, *, browser: bool = False, deploy: bool = False) -> None:
    install_kafka(cfg)
    install_ferretdb(cfg)
    install_redis()
    if cfg.store == "postgresql":
        install_postgresql()
    if browser:
        install_browser()
        install_axe(cfg)
    if deploy:
        install_compose()
        install_kustomize(cfg)
