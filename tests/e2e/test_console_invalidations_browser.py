"""Invalidations from the console in a real browser (Debian's chromium) against the real
services: an organiser describes a filter and sees the count refused next to a bad field, then the
dry run, confirms with a reason, watches the campaign's total drop live, reverts and watches it come
back; another organiser can neither see nor invalidate that campaign. Screenshots (desktop and a
360 px phone) go to the temporary folder."""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, ViewportSize, expect

from devstack.config import StackConfig
from devstack.harness.axe import assert_accessible
from tests.console_stack import ConsoleStack, console_stack

pytestmark = pytest.mark.e2e
PHONE: ViewportSize = {"width": 360, "height": 780}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
SCREENSHOTS = Path(tempfile.gettempdir())
SIGNERS = [
    ("a1@bots.example", "203.0.113.7"),
    ("a2@bots.example", "203.0.113.8"),
    ("awa.diop@example.org", "198.51.100.4"),
]


@pytest.fixture
async def world(stack: StackConfig, tmp_path: Path) -> AsyncIterator[ConsoleStack]:
    async with console_stack(stack, tmp_path, whole=True) as built:
        yield built


def sign(world: ConsoleStack, campaign: dict[str, Any]) -> None:
    with world.signup.client() as c:
        for email, address in SIGNERS:
            body = {
                "email": email,
                "first_name": "Test",
                "country": "SN",
                "locale": "fr",
                "newsletter_opt_in": False,
                "consent_text_version": campaign["consent"]["version"],
            }
            response = c.post(
                f"/api/v1/campaigns/{campaign['slug']}/pledges",
                json=body,
                headers={"X-Forwarded-For": address},
            )
            assert response.status_code == 202, response.text


def wait_until_matched(world: ConsoleStack, slug: str, wanted: int) -> None:
    """The signup projector's records are what a dry run matches: wait for them."""
    matched = None
    deadline = time.monotonic() + 30
    with world.admin() as admin:
        while time.monotonic() < deadline:
            response = admin.post(
                f"/api/v1/campaigns/{slug}/invalidations/dry-run",
                json={"email_domain": "bots.example"},
            )
            matched = response.json().get("matched")
            if matched == wanted:
                return
            time.sleep(0.2)
    raise AssertionError(f"the dry run matched {matched}, not {wanted}")


async def signed_in(browser: Browser, world: ConsoleStack, token: str) -> BrowserContext:
    context = await browser.new_context(locale="en-GB", viewport=DESKTOP)
    page = await context.new_page()
    await page.goto(f"{world.console}/sign-in?lang=en")
    await page.get_by_text("First start: sign in with the admin token").click()
    await page.get_by_label("Admin or organiser token").fill(token)
    await page.get_by_role("button", name="Sign in", exact=True).click()
    await expect(page).to_have_url(f"{world.console}/campaigns")
    return context


async def csrf_of(page: Page) -> str:
    token = await page.locator('input[name="csrf_token"]').first.get_attribute("value")
    assert token
    return token


async def test_an_organiser_invalidates_and_reverts_from_the_console(
    world: ConsoleStack, browser: Browser
) -> None:
    awa, binta = world.new_organiser("Awa"), world.new_organiser("Binta")
    campaign = world.signup.create_campaign(double_opt_in=False, goal=10)
    slug = campaign["slug"]
    with world.admin() as admin:
        given = admin.patch(f"/api/v1/organisers/{awa['id']}", json={"campaigns": [slug]})
        assert given.status_code == 200, given.text
    sign(world, campaign)
    wait_until_matched(world, slug, 2)

    context = await signed_in(browser, world, awa["token"])
    page = context.pages[0]
    card = page.locator(f'.campaign[data-slug="{slug}"]')
    await expect(card.locator("[data-total]")).to_have_text("3", timeout=30_000)
    await card.get_by_role("link", name="Invalidations").click()
    await expect(page).to_have_url(f"{world.console}/campaigns/{slug}/invalidations")
    total = page.locator("[data-total]")
    await expect(total).to_have_text("3")

    # The API's objection lands next to its field; nothing is counted as matched.
    await page.get_by_label("Client network").fill("203.0.113.7/32")
    await page.get_by_role("button", name="See how many match").click()
    await expect(page.locator("#network-error")).to_contain_text("/24")
    await expect(page.get_by_label("Client network")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("[data-matched]")).to_have_count(0)

    await page.get_by_label("Client network").fill("")
    await page.get_by_label("Email domain").fill("bots.example")
    await page.get_by_role("button", name="See how many match").click()
    await expect(page.locator("[data-matched]")).to_contain_text("2 counted signups match")
    await expect(page.locator(".confirm .criteria")).to_contain_text("bots.example")
    # The confirmation step needs a reason.
    await page.get_by_role("button", name="Invalidate these 2 signups").click()
    await expect(page.locator("#reason-error")).to_be_visible()
    await page.get_by_label("Why (kept with the invalidation").fill("two addresses of a list")
    await page.screenshot(
        path=str(SCREENSHOTS / "console-invalidation-confirm.png"), full_page=True
    )
    await assert_accessible(page)
    await page.get_by_role("button", name="Invalidate these 2 signups").click()
    await expect(page.get_by_role("status")).to_contain_text("Invalidated")
    # The counter takes them out; the page's total follows live.
    await expect(total).to_have_text("1", timeout=30_000)
    applied = page.locator('.invalidation[data-state="applied"]')
    await expect(applied).to_have_count(1)
    await expect(applied).to_contain_text("bots.example")
    await expect(applied).to_contain_text("two addresses of a list")
    await page.screenshot(path=str(SCREENSHOTS / "console-invalidations.png"), full_page=True)
    await assert_accessible(page)
    # A form posted without its CSRF token (from another site) does nothing.
    forged = await page.request.post(
        f"{world.console}/campaigns/{slug}/invalidations",
        form={"email_domain": "example.org", "reason": "from another site"},
    )
    assert forged.status == 403, await forged.text()
    phone = await browser.new_context(
        locale="fr-FR", viewport=PHONE, storage_state=await context.storage_state()
    )
    on_phone = await phone.new_page()
    await on_phone.goto(f"{world.console}/campaigns/{slug}/invalidations?lang=fr")
    await assert_accessible(on_phone)
    width = await on_phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide on a {PHONE['width']} px phone"
    await on_phone.screenshot(
        path=str(SCREENSHOTS / "console-invalidations-phone.png"), full_page=True
    )
    await phone.close()

    await applied.get_by_role("button", name="Revert: count them again").click()
    await expect(applied.locator(".error")).to_be_visible()  # no reason: refused beside it
    await applied.get_by_label("Why put them back").fill("checked by phone: real people")
    await applied.get_by_role("button", name="Revert: count them again").click()
    await expect(page.get_by_role("status")).to_contain_text("Reverted")
    await expect(total).to_have_text("3", timeout=30_000)
    await expect(page.locator('.invalidation[data-state="reverted"]')).to_contain_text(
        "checked by phone"
    )
    await context.close()

    # Another organiser sees nothing of it and can change nothing, even by posting the forms.
    other = await signed_in(browser, world, binta["token"])
    page = other.pages[0]
    await page.goto(f"{world.console}/campaigns/{slug}/invalidations")
    await expect(page.locator(".error")).to_contain_text("not one of yours")
    await expect(page.locator("[data-total]")).to_have_count(0)
    csrf = await csrf_of(page)
    for path, form in (
        ("/invalidations/dry-run", {"email_domain": "example.org"}),
        ("/invalidations", {"email_domain": "example.org", "reason": "not mine to do"}),
    ):
        response = await page.request.post(
            f"{world.console}/campaigns/{slug}{path}", form={**form, "csrf_token": csrf}
        )
        assert response.status == 403, await response.text()
        assert re.search("not one of yours", await response.text())
    await other.close()
    with world.admin() as admin:
        listed = admin.get(f"/api/v1/campaigns/{slug}/invalidations").json()
    assert [i["state"] for i in listed] == ["reverted"]
    async with httpx.AsyncClient(timeout=10) as counter:
        totals = (await counter.get(f"{world.counter}/api/v1/campaigns/{slug}/totals")).json()
    assert totals["signed"] == 3
