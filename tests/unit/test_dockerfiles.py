"""The one Dockerfile and the images compose builds from it: hadolint finds nothing, and each
image runs as a numeric non-root user, checks its API's health and starts that API by default."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.compose_file import COMPOSE_FILE, DOCKERFILE, ROOT, Dockerfile

HADOLINT = Path(sys.executable).parent / "hadolint"


def images() -> dict[str, Dockerfile]:
    """Each image of docker-compose.yml (by name), as its build arguments make it (read as YAML:
    the build part uses no variables, and the unit tier runs without docker-compose)."""
    services = yaml.safe_load(COMPOSE_FILE.read_text())["services"]
    return {
        s["image"]: Dockerfile.read(
            ROOT / s["build"].get("dockerfile", DOCKERFILE), s["build"]["args"]
        )
        for s in services.values()
        if "build" in s
    }


IMAGES = images()


def test_hadolint_finds_nothing() -> None:
    linted = subprocess.run(
        [str(HADOLINT), "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_every_service_is_built_from_the_one_dockerfile() -> None:
    services = {f"mobilise-{p.parent.name}" for p in ROOT.glob("services/*/pyproject.toml")}
    assert set(IMAGES) == services
    assert {image.path for image in IMAGES.values()} == {DOCKERFILE}


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_image_runs_as_numeric_non_root_user_with_a_healthcheck(name: str) -> None:
    image = IMAGES[name]
    uid = image.user.split(":")[0]
    assert uid.isdigit(), image.user
    assert int(uid) != 0
    assert image.healthcheck
    assert image.cmd
    assert image.expose


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_image_starts_its_api_on_the_port_it_exposes(name: str, tmp_path: Path) -> None:
    image = IMAGES[name]
    api = image.env["MOBILISE_API"]
    assert api.startswith(name.removeprefix("mobilise-") + "-"), api
    (tmp_path / api).write_text('#!/bin/sh\necho "started $0"\n')
    (tmp_path / api).chmod(0o755)
    env = {**image.env, "PATH": f"{tmp_path}:/usr/bin:/bin"}
    started = subprocess.run(image.cmd, env=env, capture_output=True, text=True, check=True)
    assert started.stdout.strip() == f"started {tmp_path / api}"
    assert [int(env[env["MOBILISE_API_PORT_VARIABLE"]])] == image.expose
    assert env[env["MOBILISE_API_PORT_VARIABLE"].replace("_PORT", "_HOST")] == "0.0.0.0"
