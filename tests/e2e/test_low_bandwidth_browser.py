"""The hosted page on a 2G/3G phone, in Debian's chromium: what its first view costs in bytes
really transferred (the browser's own count, headers included), and a signup on a throttled
network (~400 kbit/s, 400 ms round trips) done within 5 s of the navigation."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.async_api import Browser, CDPSession, Page, expect

from devstack.harness.signup import SignupService, signup_api
from mobilise_runtime.settings import SharedSettings

FIRST_VIEW_BUDGET = 15 * 1024
# The 2G/3G phone: ~400 kbit/s each way, 400 ms of latency per request.
SLOW_NETWORK = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400_000 / 8,
    "uploadThroughput": 400_000 / 8,
}
SIGN_WITHIN_S = 5.0


@pytest.fixture
def signup(shared_settings: SharedSettings, unique: str) -> Iterator[SignupService]:
    # No counter: the page must not wait for one.
    with signup_api(
        shared_settings, f"signup_{unique}", SIGNUP_COUNTER_URL="http://127.0.0.1:9"
    ) as service:
        yield service


async def network(page: Page) -> tuple[CDPSession, dict[str, int]]:
    """The page's DevTools session, and a map request id → bytes transferred (headers and
    encoded body), filled as each request finishes."""
    session = await page.context.new_cdp_session(page)
    transferred: dict[str, int] = {}

    def finished(event: dict[str, Any]) -> None:
        transferred[event["requestId"]] = int(event["encodedDataLength"])

    session.on("Network.loadingFinished", finished)
    await session.send("Network.enable")
    await session.send("Network.setCacheDisabled", {"cacheDisabled": True})
    return session, transferred


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "no-js"])
async def test_the_first_view_fits_in_15_kb(
    signup: SignupService, browser: Browser, javascript: bool
) -> None:
    campaign = signup.create_campaign(kind="volunteer")
    context = await browser.new_context(locale="fr-FR", java_script_enabled=javascript)
    page = await context.new_page()
    _, transferred = await network(page)
    await page.goto(f"{signup.url}/c/{campaign['slug']}", wait_until="networkidle")
    await expect(page.get_by_role("heading", level=1)).to_be_visible()
    styled = await page.locator(".button--wide").evaluate("e => getComputedStyle(e).borderRadius")
    assert styled == "8px"  # the stylesheets were applied
    total = sum(transferred.values())
    print(f"first view ({'with' if javascript else 'without'} JS): {total} bytes")
    # The page, both stylesheets and (with JS) its script: nothing else is asked for.
    assert len(transferred) == (4 if javascript else 3), transferred
    assert total <= FIRST_VIEW_BUDGET, f"{total} bytes transferred"
    await context.close()


async def test_signing_on_a_slow_network_takes_under_5_s(
    signup: SignupService, browser: Browser
) -> None:
    campaign = signup.create_campaign(countries=["SN"], double_opt_in=False)
    context = await browser.new_context(locale="fr-FR")
    page = await context.new_page()
    session, _ = await network(page)
    await session.send("Network.emulateNetworkConditions", SLOW_NETWORK)

    started = time.monotonic()
    await page.goto(f"{signup.url}/c/{campaign['slug']}", wait_until="commit")
    await page.get_by_label("Adresse e-mail", exact=True).fill("awa.diop@example.org")
    await page.get_by_label("Prénom", exact=True).fill("Awa")
    await page.get_by_label(campaign["consent"]["text"]["fr"]).check()
    # Clicked as soon as it can be: before campaign.js ran, the form is posted without it.
    await page.get_by_role("button", name="Signer").click()
    await expect(page.get_by_role("heading", name=re.compile("^Merci"))).to_be_visible()
    elapsed = time.monotonic() - started
    path = "without" if "/thanks" in page.url else "with"
    print(f"signed on a throttled network in {elapsed:.2f} s ({path} the script)")
    assert elapsed < SIGN_WITHIN_S
    await context.close()
