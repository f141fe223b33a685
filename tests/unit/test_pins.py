"""Every package in the venv is pinned exactly in requirements/ (so a fresh clone gets the same)."""

from __future__ import annotations

import re
from importlib.metadata import distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins() -> dict[str, str]:
    pins = {}
    for path in (ROOT / "requirements").glob("*.txt"):
        for line in path.read_text().splitlines():
            line = line.split("#")[0].strip()
            if line and not line.startswith("-"):
                name, version = line.split("==")
                pins[_canonical(name)] = version
    return pins


def test_every_installed_distribution_is_pinned() -> None:
    pins = _pins()
    own = {"mobilise-events", "mobilise-runtime", "mobilise-signup", "mobilise-counter",
           "mobilise-mailer", "mobilise-console", "mobilise-devstack", "pip"}  # fmt: skip
    unpinned = []
    for dist in distributions():
        name = _canonical(dist.metadata["Name"])
        if name in own:
            continue
        if pins.get(name) != dist.version:
            unpinned.append(f"{name}=={dist.version} (pinned: {pins.get(name)})")
    assert not unpinned, "add to requirements/: " + ", ".join(sorted(unpinned))


def test_requirements_are_exact_pins() -> None:
    for path in (ROOT / "requirements").glob("*.txt"):
        for line in path.read_text().splitlines():
            line = line.split("#")[0].strip()
            if line and not line.startswith("-"):
                assert re.fullmatch(r"[A-Za-z0-9_.\-]+(\[[a-z,]+\])?==[\w.]+", line), line
