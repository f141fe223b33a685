"""Browser tests: Debian's chromium, driven by Playwright (never a browser Playwright downloads)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

from mobilise_runtime.mongo import ServiceDatabase
from mobilise_runtime.settings import SharedSettings
from tests.service_chain import Stack, signup_and_counter

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: `devstack install --browser` installs Debian's chromium "
            "(make test and make e2e run it)"
        )
    return CHROMIUM


@pytest.fixture
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
async def stack_of_services(
    shared_settings: SharedSettings, unique: str, database: ServiceDatabase
) -> AsyncIterator[Stack]:
    """signup-api, counter-consumer and counter-api on this test's topics and databases."""
    async with signup_and_counter(shared_settings, unique, database) as stack:
        yield stack
