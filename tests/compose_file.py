"""docker-compose.yml as Compose itself reads it (Debian's `docker-compose config`: validated,
anchors merged, variables interpolated), and the Dockerfiles its application services build."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
BUILD_ARG = re.compile(r"\$\{(\w+)\}")

# What the file requires (`${NAME:?…}`), with values good enough to start every process.
REQUIRED_VARIABLES = (
    "MOBILISE_ADMIN_TOKEN",
    "SIGNUP_PUBLIC_URL",
    "SIGNUP_TOKEN_KEYS",
    "SIGNUP_SUPPORTER_KEY_SECRET",
    "MAILER_SENDGRID_API_KEY",
    "MAILER_EMAIL_HASH_KEY",
    "CONSOLE_SESSION_SECRET",
)


def docker_compose() -> str:
    found = shutil.which("docker-compose")
    assert found, "docker-compose is missing: `devstack install --deploy` installs Debian's"
    return found


def compose_config(variables: dict[str, str]) -> dict[str, Any]:
    """The file as Compose resolves it with `variables` in the environment; fails the test with
    Compose's own message if the file is invalid."""
    done = subprocess.run(
        [docker_compose(), "--file", str(COMPOSE_FILE), "--project-name", "mobilise", "config"],
        env={"PATH": "/usr/bin:/bin", **variables},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"docker-compose config rejects the file:\n{done.stderr}"
    config: dict[str, Any] = yaml.safe_load(done.stdout)
    return config


@dataclass
class Dockerfile:
    """The final stage of the Dockerfile built with a service's arguments: what its containers
    start with."""

    path: Path
    env: dict[str, str] = field(default_factory=dict)
    cmd: list[str] = field(default_factory=list)
    healthcheck: list[str] = field(default_factory=list)
    expose: list[int] = field(default_factory=list)
    user: str = ""

    @classmethod
    def read(cls, path: Path, args: dict[str, str]) -> Dockerfile:
        # Continuation lines joined; only the last stage (after the last FROM) counts, with the
        # build arguments put in ENV and EXPOSE as the builder does ($PATH is the base image's).
        text = path.read_text().replace("\\\n", " ")
        lines = [line.strip() for line in text.splitlines()]
        lines = [line for line in lines if line and not line.startswith("#")]
        last_from = max(i for i, line in enumerate(lines) if line.upper().startswith("FROM "))
        found = cls(path)
        for line in lines[last_from:]:
            instruction, _, rest = line.partition(" ")
            instruction = instruction.upper()
            if instruction in ("ENV", "EXPOSE"):
                rest = BUILD_ARG.sub(lambda m: args.get(m[1], m[0]), rest)
            if instruction == "ENV":
                for pair in shlex.split(rest):
                    name, _, value = pair.partition("=")
                    found.env[name] = value
            elif instruction == "CMD":
                found.cmd = json.loads(rest)
            elif instruction == "HEALTHCHECK":
                found.healthcheck = json.loads(rest[rest.index("CMD ") + 4 :])
            elif instruction == "EXPOSE":
                found.expose = [int(port) for port in rest.split()]
            elif instruction == "ARG":
                assert "=" in rest or rest in args, f"{path.name}: no value for ARG {rest}"
            elif instruction == "USER":
                found.user = rest.strip()
        return found


@dataclass
class AppService:
    """An application service of the compose file (one built from this repository)."""

    name: str
    command: list[str]
    environment: dict[str, str]
    dockerfile: Dockerfile
    # The API's port inside the container, from `ports:` ("published:target"); None without.
    container_port: int | None
    healthcheck: list[str] | None
    # The services it waits for, and for what (service_healthy, service_completed_successfully).
    depends_on: dict[str, str]


def app_services(config: dict[str, Any]) -> list[AppService]:
    found = []
    for name, service in config["services"].items():
        if "build" not in service:
            continue  # kafka, mongo, redis: images of their own, the local stack stands in
        build = service["build"]
        args = {k: str(v) for k, v in build.get("args", {}).items()}
        dockerfile = Dockerfile.read(ROOT / build.get("dockerfile", DOCKERFILE), args)
        ports = [int(p["target"]) for p in service.get("ports", [])]
        assert len(ports) <= 1, f"{name}: one API port per process"
        check = service.get("healthcheck", {})
        # `disable: true` comes out of `config` as test: ["NONE"].
        if check.get("disable") or check.get("test") == ["NONE"]:
            healthcheck = None
        elif "test" in check:
            test = check["test"]
            assert test[0] in ("CMD", "CMD-SHELL"), f"{name}: healthcheck {test}"
            healthcheck = test[1:] if test[0] == "CMD" else ["sh", "-c", test[1]]
        else:
            healthcheck = dockerfile.healthcheck or None
        found.append(
            AppService(
                name=name,
                command=list(service.get("command") or dockerfile.cmd),
                environment={k: str(v) for k, v in (service.get("environment") or {}).items()},
                dockerfile=dockerfile,
                container_port=ports[0] if ports else None,
                healthcheck=healthcheck,
                depends_on={
                    n: d.get("condition", "service_started")
                    for n, d in (service.get("depends_on") or {}).items()
                },
            )
        )
    return found
