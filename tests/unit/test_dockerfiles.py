"""The service images: hadolint finds nothing, and each runs as a numeric non-root user."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.compose_file import ROOT, Dockerfile

DOCKERFILES = sorted(ROOT.glob("services/*/Dockerfile"))
HADOLINT = Path(sys.executable).parent / "hadolint"


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: p.parent.name)
def test_hadolint_finds_nothing(path: Path) -> None:
    linted = subprocess.run(
        [str(HADOLINT), "--failure-threshold", "info", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert linted.returncode == 0, linted.stdout + linted.stderr


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: p.parent.name)
def test_image_runs_as_numeric_non_root_user_with_a_healthcheck(path: Path) -> None:
    image = Dockerfile.read(path)
    uid = image.user.split(":")[0]
    assert uid.isdigit(), image.user
    assert int(uid) != 0
    assert image.healthcheck
    assert image.cmd
    assert image.expose
