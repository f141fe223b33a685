"""Organisers' texts shown in their fallback language inside an Arabic (right-to-left) page are
isolated in their own direction everywhere a supporter sees them: the hosted page, its thanks
page, the embed (iframe), the widget on a partner's page and the dashboard (tests/e2e/bidi.py).
The console is checked likewise in tests/e2e/test_console_accessibility_browser.py."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from devstack.harness.signup import ADMIN_TOKEN
from devstack.partner_demo import demo_origins, register_demo
from tests.e2e.bidi import foreign_texts, unisolated
from tests.service_chain import Stack, partner_site

pytestmark = pytest.mark.e2e


async def test_fallback_texts_keep_their_direction_in_an_arabic_page(
    stack_of_services: Stack, browser: Browser
) -> None:
    stack = stack_of_services
    with partner_site(stack) as partner:
        register_demo(stack.signup.url, ADMIN_TOKEN, demo_origins(int(partner.rsplit(":")[-1])))
        # In French only: an Arabic reader gets the French title, description and consent.
        campaign = stack.signup.create_campaign(
            title={"fr": "Femmes du numérique."}, description={"fr": "Formons 50 000 femmes."}
        )
        slug = campaign["slug"]
        context = await browser.new_context(locale="ar-MA")
        page = await context.new_page()
        for url in (
            f"{stack.signup.url}/c/{slug}",
            f"{stack.signup.url}/c/{slug}/thanks",
            f"{stack.counter_url}/dashboard/{slug}",
        ):
            await page.goto(url)
            await expect(page.locator("html")).to_have_attribute("dir", "rtl")
            assert await foreign_texts(page) >= 1, url
            assert await unisolated(page) == [], url
        consent = page.locator("label[for=consent]")
        await page.goto(f"{stack.signup.url}/c/{slug}")
        # Its full stop at its end: the label's last glyph is on its right, in an Arabic page.
        await expect(consent).to_have_attribute("dir", "ltr")

        await page.goto(f"{partner}/?lang=ar")
        widget = page.locator("[data-mobilise-widget]")
        await expect(widget).to_have_attribute("data-mobilise-state", "ready")
        root = await widget.evaluate_handle("host => host.shadowRoot")
        assert await root.evaluate("r => r.querySelectorAll('[lang=fr]').length") >= 2
        assert await foreign_texts(page) >= 2
        assert await unisolated(page) == []

        await page.goto(f"{partner}/iframe?lang=ar")
        await expect(page.frame_locator("iframe").locator("html")).to_have_attribute("dir", "rtl")
        embedded = next(frame for frame in page.frames if "/embed/" in frame.url)
        assert await foreign_texts(embedded) >= 1
        assert await unisolated(embedded) == []
        await context.close()
