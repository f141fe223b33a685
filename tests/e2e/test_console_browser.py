"""The organisers' console in a real browser (Debian's chromium, Playwright) against the real
services: an organiser signs in through the link in the dev outbox, publishes a consent text and
creates a campaign, registers a partner, watches the total rise live when the campaign is signed
on its hosted page, sends a newsletter and sees it done; another organiser cannot see any of it.
Screenshots of the campaigns page on a desktop (English) and a 360 px phone (Arabic) go to
the temporary directory (docs/console.png and docs/console-phone.png are copies)."""

from __future__ import annotations

import re
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, ViewportSize, expect

from devstack.config import StackConfig
from devstack.harness.axe import assert_accessible
from tests.console_stack import LINK, ConsoleStack, console_stack
from tests.e2e.previews import previews_shown, screenshot_with_previews

pytestmark = pytest.mark.e2e
PHONE: ViewportSize = {"width": 360, "height": 740}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
# Where the pages are kept to be looked at (docs/console*.png are copies of these).
SCREENSHOTS = Path(tempfile.gettempdir())


@pytest.fixture
async def world(stack: StackConfig, tmp_path: Path) -> AsyncIterator[ConsoleStack]:
    async with console_stack(stack, tmp_path, whole=True) as built:
        yield built


async def sign_in_by_email(page: Page, world: ConsoleStack, email: str) -> None:
    await page.goto(f"{world.console}/sign-in?lang=en")
    await page.get_by_label("Your email address").fill(email)
    await page.get_by_role("button", name="Email me a sign-in link").click()
    await expect(page.get_by_role("status")).to_contain_text("a sign-in link is on its way")
    # The dev outbox shows the email as its recipient would see it.
    await page.goto(f"{world.mailer}/outbox")
    mail = page.locator("pre", has_text=f"{world.console}/sign-in/").first
    await expect(mail).to_be_visible()
    match = LINK.search(await mail.inner_text())
    assert match, await mail.inner_text()
    await page.goto(match.group(1))
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(f"{world.console}/campaigns")


async def create_campaign(page: Page, slug: str, version: str) -> None:
    await page.get_by_role("link", name="New campaign").click()
    await page.get_by_label("Address (slug)").fill("Not a slug")  # refused next to the field
    fields = page.locator("fieldset")
    await fields.nth(0).get_by_label("Title").fill("Égalité numérique")
    await fields.nth(0).get_by_label("Description").fill("Formons 50 000 femmes.")
    await fields.nth(1).get_by_label("Title").fill("Digital equality")
    await page.get_by_label("Goal (signatures)").fill("1000")
    await page.get_by_label("Countries").fill("FR SN")
    await page.get_by_label("Double opt-in").uncheck()
    await page.get_by_label("Version, e.g. 2026-01").fill(version)
    await page.get_by_label("Wording in French").fill("J'accepte que mes données servent.")
    await page.get_by_label("Wording in English").fill("I agree that my data is used.")
    await page.get_by_role("button", name="Create the campaign").click()
    await expect(page.locator("#slug-error")).to_be_visible()
    # The consent text was published: it is now the one chosen.
    await expect(page.get_by_label("An existing consent text")).to_have_value(version)
    await page.get_by_label("Address (slug)").fill(slug)
    await page.get_by_role("button", name="Create the campaign").click()
    await expect(page).to_have_url(re.compile(r"/campaigns$"))


async def sign_on_hosted_page(browser: Browser, world: ConsoleStack, slug: str) -> None:
    supporter = await browser.new_context(locale="en-GB")
    page = await supporter.new_page()
    await page.goto(f"{world.signup.url}/c/{slug}?lang=en")
    await page.get_by_label("Email address", exact=True).fill("awa.diop@example.org")
    await page.get_by_label("First name", exact=True).fill("Awa")
    await page.get_by_label("Country", exact=True).select_option("SN")
    await page.get_by_label("Send me the campaign's news by email").check()
    await page.get_by_label("I agree that my data is used.").check()
    await page.get_by_role("button", name="Sign", exact=True).click()
    await expect(page.get_by_role("status")).to_contain_text("Your signup is recorded")
    await supporter.close()


async def see_the_email_as_it_will_be_received(page: Page) -> None:
    """Each language's HTML part in a frame that may run nothing, styled as sent; its text part."""
    english = page.locator('.confirm [data-email="en"]')
    frame = english.locator("iframe")
    await expect(frame).to_have_attribute("sandbox", "")
    body = frame.content_frame.locator("body")
    await expect(body).to_contain_text("Hello Awa, thank you.")
    await expect(body).to_contain_text("Unsubscribe")
    # The email's inline styles apply (the page's policy lets a preview look like the email).
    await expect(body).to_have_css("background-color", "rgb(246, 245, 242)")
    await english.get_by_text("Text part").click()
    await expect(english.locator("pre")).to_contain_text("Hello Awa, thank you.")
    french = page.locator('.confirm [data-email="fr"] iframe')
    await expect(french).to_have_attribute("sandbox", "")
    await expect(french.content_frame.locator("body")).to_contain_text("Bonjour Awa, merci.")
    await assert_accessible(page)
    await screenshot_with_previews(page, SCREENSHOTS / "console-newsletter-check.png")
    await page.set_viewport_size(PHONE)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{width} px wide on a {PHONE['width']} px phone"
    await screenshot_with_previews(page, SCREENSHOTS / "console-newsletter-phone.png")
    await page.set_viewport_size(DESKTOP)


async def test_an_organiser_runs_a_campaign_from_the_console(
    world: ConsoleStack, browser: Browser
) -> None:
    awa = world.new_organiser("Awa")
    slug = f"egalite-{uuid.uuid4().hex[:6]}"
    context = await browser.new_context(locale="en-GB", viewport=DESKTOP)
    page = await context.new_page()
    await sign_in_by_email(page, world, awa["email"])
    await create_campaign(page, slug, f"v-{slug}")
    card = page.locator(f'.campaign[data-slug="{slug}"]')
    await expect(card.locator("[data-total]")).to_have_text("0")

    await page.get_by_role("link", name="Partners", exact=True).click()
    await page.get_by_role("link", name="Register a partner").click()
    await page.get_by_label("Name", exact=True).fill("Association Dakar")
    await page.get_by_label("Key").fill(f"dakar-{slug}")
    await page.get_by_label("Sites that may embed").fill("https://partner.example")
    await page.get_by_label(re.compile(slug)).check()
    await page.get_by_role("button", name="Register the partner").click()
    await expect(page.get_by_role("heading", name=re.compile("Association Dakar"))).to_be_visible()
    await page.get_by_text(f"Snippets for {slug}").click()
    await expect(page.locator("textarea.snippet").first).to_contain_text("data-mobilise-widget")
    await page.screenshot(path=str(SCREENSHOTS / "console-partners.png"), full_page=True)

    # The campaigns page is open when the campaign is signed: its total rises live (SSE).
    await page.get_by_role("link", name="Campaigns", exact=True).click()
    await sign_on_hosted_page(browser, world, slug)
    await expect(card.locator("[data-total]")).to_have_text("1", timeout=30_000)
    await page.screenshot(path=str(SCREENSHOTS / "console.png"))
    phone = await browser.new_context(
        locale="ar-MA", viewport=PHONE, storage_state=await context.storage_state()
    )
    on_phone = await phone.new_page()
    await on_phone.goto(f"{world.console}/campaigns?lang=ar")
    # In Arabic, right to left; the French title (no Arabic one) in its own direction.
    await expect(on_phone.locator("html")).to_have_attribute("dir", "rtl")
    await expect(on_phone.locator(".campaign [data-total]")).to_have_text("1")
    await on_phone.screenshot(path=str(SCREENSHOTS / "console-phone.png"), full_page=True)
    await phone.close()

    await card.get_by_role("link", name="Newsletter").click()
    fields = page.locator("form[data-live-preview] fieldset")
    await fields.nth(0).get_by_label("Subject").fill("Merci !")
    await fields.nth(0).get_by_label("Text").fill("Bonjour {{ first_name }}, merci.")
    await fields.nth(1).get_by_label("Subject").fill("Thank you!")
    await fields.nth(1).get_by_label("Text").fill("Hello {{ first_name }}, thank you.")
    await page.get_by_label("Only people who confirmed").uncheck()
    # The live preview, while typing.
    await expect(page.locator("[data-preview-pane]")).to_contain_text("Hello Awa, thank you.")
    texts = await previews_shown(page)
    assert any("Bonjour Awa, merci." in text for text in texts), texts
    await screenshot_with_previews(page, SCREENSHOTS / "console-compose.png")
    await page.get_by_role("button", name="Preview and check the audience").click()
    await expect(page.locator("[data-audience]")).to_contain_text("It will go to 1 person now.")
    await see_the_email_as_it_will_be_received(page)
    await page.get_by_role("button", name="Send now").click()
    row = page.locator("tr[data-mailing]").first
    await expect(row.locator('[data-field="status"]')).to_have_text("done", timeout=60_000)
    await expect(row.locator('[data-field="sent"]')).to_have_text("1")
    await page.screenshot(path=str(SCREENSHOTS / "console-newsletters.png"), full_page=True)
    await context.close()

    # Another organiser sees none of it, and may not act on it.
    binta = world.new_organiser("Binta")
    other = await browser.new_context(locale="en-GB")
    page = await other.new_page()
    await page.goto(f"{world.console}/sign-in?lang=en")
    await page.get_by_text("First start: sign in with the admin token").click()
    await page.get_by_label("Admin or organiser token").fill(binta["token"])
    await page.get_by_role("button", name="Sign in", exact=True).click()
    await expect(page).to_have_url(f"{world.console}/campaigns")
    await expect(page.locator(f'.campaign[data-slug="{slug}"]')).to_have_count(0)
    await page.goto(f"{world.console}/campaigns/{slug}/edit")
    await expect(page.locator(".error")).to_contain_text("not one of yours")
    await other.close()
