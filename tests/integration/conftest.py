"""Services most integration modules start the same way, each on the test's own topics and
database (the fixtures of tests/conftest.py); a module that needs another set-up defines its own
fixture of the same name."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from devstack.config import StackConfig
from devstack.harness.mailer import Mailer, standin
from devstack.harness.signup import SignupService, signup_api
from mobilise_runtime.mongo import ServiceDatabase
from mobilise_runtime.settings import SharedSettings
from tests.console_stack import ConsoleStack, console_stack


@pytest.fixture
def signup(shared_settings: SharedSettings, unique: str) -> Iterator[SignupService]:
    """A signup-api (also what the mailer asks for campaign titles: an unknown campaign is
    titled by its slug)."""
    with signup_api(shared_settings, f"signup_{unique}") as service:
        yield service


@pytest.fixture
def mailer(
    shared_settings: SharedSettings,
    database: ServiceDatabase,
    unique: str,
    tmp_path: Path,
    signup: SignupService,
) -> Iterator[Mailer]:
    """The mailer's processes, to start as a test needs them, sending to a SendGrid stand-in."""
    with standin(tmp_path) as url:
        yield Mailer(shared_settings, database.db.name, f"mailer-{unique}", url, signup.url, {})


@pytest.fixture(scope="module")
async def console_world(
    stack: StackConfig, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> AsyncIterator[ConsoleStack]:
    """The console and the three services it calls, started once for each module that uses it."""
    name = request.module.__name__.rpartition(".")[2]
    async with console_stack(stack, tmp_path_factory.mktemp(name)) as built:
        yield built
