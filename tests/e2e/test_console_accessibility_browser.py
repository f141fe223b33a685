"""The console in every language, measured in Debian's chromium: axe-core (devstack.harness.axe)
on every console page, signed in as an admin, forms with and without their error state: no
serious or critical violation of WCAG 2.x A/AA; Arabic pages right to left, and every
organiser's text shown in another language than the page's isolated in its own direction
(tests/e2e/bidi.py). The main pages are kept as screenshots, on a desktop and on a 360 px
phone, in the temporary directory (console-<lang>-<page>-<device>.png), to be looked at."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, ViewportSize, expect

from devstack.config import StackConfig
from devstack.harness.axe import assert_accessible
from devstack.harness.signup import ADMIN_TOKEN
from mobilise_runtime.locales import LOCALES, direction
from tests.console_stack import ConsoleStack, console_stack
from tests.e2e.bidi import unisolated
from tests.e2e.previews import screenshot_with_previews

pytestmark = pytest.mark.e2e
DEVICES: dict[str, ViewportSize] = {
    "desktop": {"width": 1280, "height": 900},
    "phone": {"width": 360, "height": 740},
}
SCREENSHOTS = Path(tempfile.gettempdir())


@pytest.fixture
async def world(stack: StackConfig, tmp_path: Path) -> AsyncIterator[ConsoleStack]:
    async with console_stack(stack, tmp_path, whole=True) as built:
        yield built


async def checked(page: Page, locale: str) -> None:
    """The page is in `locale`, in its direction, accessible, its foreign texts isolated."""
    await expect(page.locator("html")).to_have_attribute("lang", locale)
    await expect(page.locator("html")).to_have_attribute("dir", direction(locale))
    await assert_accessible(page)
    assert await unisolated(page) == [], page.url


async def screenshots(page: Page, locale: str, name: str, *, previews: bool = False) -> None:
    """On each device; with `previews`, once every newsletter preview frame is painted."""
    for device, size in DEVICES.items():
        await page.set_viewport_size(size)
        path = SCREENSHOTS / f"console-{locale}-{name}-{device}.png"
        if previews:
            await screenshot_with_previews(page, path)
        else:
            await page.screenshot(path=str(path), full_page=True)
    await page.set_viewport_size(DEVICES["desktop"])


async def test_every_console_page_in_every_language(world: ConsoleStack, browser: Browser) -> None:
    # Titled in French only: every other language's page shows its fallback.
    campaign = world.signup.create_campaign(
        title={"fr": "Égalité numérique."}, description={"fr": "Formons 50 000 femmes."}
    )
    slug = campaign["slug"]
    with world.admin() as admin:
        admin.post(
            "/api/v1/partners",
            json={
                "name": "Association Dakar",
                "key": f"dakar-{uuid.uuid4().hex[:6]}",
                "campaigns": [slug],
                "origins": ["https://partner.example"],
            },
        ).raise_for_status()
    console = world.console
    for locale in LOCALES:
        context = await browser.new_context(locale=locale, viewport=DEVICES["desktop"])
        page = await context.new_page()
        # Signed out: the sign-in page, its refusal, a forged link's page.
        await page.goto(f"{console}/sign-in?lang={locale}")
        await checked(page, locale)
        await page.locator("details summary").click()
        await page.locator("#token").fill("not a token")
        await page.locator("form[action='/sign-in/token'] button").click()
        await expect(page.locator("#token-error")).to_be_visible()
        await checked(page, locale)
        await page.goto(f"{console}/sign-in/forged")
        await page.locator("main form button").click()
        await expect(page.locator("main .error")).to_be_visible()
        await checked(page, locale)

        await page.goto(f"{console}/sign-in")
        await page.locator("details summary").click()
        await page.locator("#token").fill(ADMIN_TOKEN)
        await page.locator("form[action='/sign-in/token'] button").click()
        await expect(page).to_have_url(f"{console}/campaigns")
        card = page.locator(f'.campaign[data-slug="{slug}"]')
        await expect(card.locator("[data-total]")).to_have_text("0")
        await checked(page, locale)
        await screenshots(page, locale, "campaigns")

        # The campaign form, empty, refused (a slug that is not one), and editing.
        await page.goto(f"{console}/campaigns/new")
        await checked(page, locale)
        await screenshots(page, locale, "campaign-new")
        await page.locator("#slug").fill("Not a slug")
        await page.locator("#title-fr").fill("Titre")
        await page.locator("#goal").fill("100")
        await page.locator("main form button[type=submit]").click()
        await expect(page.locator("#slug-error")).to_be_visible()
        await checked(page, locale)
        await page.goto(f"{console}/campaigns/{slug}/edit")
        await expect(page.locator("#title-fr")).to_have_value("Égalité numérique.")
        await checked(page, locale)

        # Partners: the list with its snippets open, the form refused.
        await page.goto(f"{console}/partners")
        await page.locator("details summary").first.click()
        await checked(page, locale)
        await screenshots(page, locale, "partners")
        await page.goto(f"{console}/partners/new")
        await checked(page, locale)
        await page.locator("#name").fill("Asso")
        await page.locator("#origins").fill("not-an-origin")
        await page.locator("main form button[type=submit]").click()
        await expect(page.locator("main .error").first).to_be_visible()
        await checked(page, locale)

        # Newsletters: the choice, the form, refused (no text at all), then previewed.
        await page.goto(f"{console}/newsletters")
        await checked(page, locale)
        await page.goto(f"{console}/campaigns/{slug}/newsletters")
        await checked(page, locale)
        await page.locator("form[data-live-preview] button[type=submit]").click()
        await expect(page.locator("main .error").first).to_be_visible()
        await checked(page, locale)
        await page.locator("#subject-fr").fill("Merci !")
        await page.locator("#body_template-fr").fill("Bonjour {{ first_name }}, merci.")
        await page.locator("form[data-live-preview] button[type=submit]").click()
        await expect(page.locator("[data-audience]")).to_be_visible()
        await checked(page, locale)
        await screenshots(page, locale, "newsletter", previews=True)

        # Supporters: the exports and the GDPR form, refused (erasure unconfirmed), answered.
        await page.goto(f"{console}/supporters")
        await checked(page, locale)
        await page.locator("#gdpr-email").fill("nobody@example.org")
        await page.locator("#action-erase").check()
        await page.locator("form[action='/supporters/request'] button").click()
        await expect(page.locator("#confirm-error")).to_be_visible()
        await checked(page, locale)
        await page.locator("#action-export").check()
        await page.locator("form[action='/supporters/request'] button").click()
        await expect(page.locator("pre.result")).to_be_visible()
        await checked(page, locale)

        # Invalidations: the page (reached from the supporters page), a filter refused (a network
        # narrower than /24), a dry run matching nothing.
        await page.locator(f'a[href="/campaigns/{slug}/invalidations"]').first.click()
        await expect(page).to_have_url(f"{console}/campaigns/{slug}/invalidations")
        await checked(page, locale)
        dry_run = page.locator(f"form[action='/campaigns/{slug}/invalidations/dry-run'] button")
        await page.locator("#network").fill("203.0.113.7/32")
        await dry_run.click()
        await expect(page.locator("#network-error")).to_be_visible()
        await checked(page, locale)
        await page.locator("#network").fill("")
        await page.locator("#email_domain").fill("bots.example")
        await dry_run.click()
        await expect(page.locator('[data-matched="0"]')).to_be_visible()
        await checked(page, locale)
        await screenshots(page, locale, "invalidations")

        # What goes wrong: a campaign that is not there.
        await page.goto(f"{console}/campaigns/no-such-campaign/edit")
        await checked(page, locale)
        await context.close()
