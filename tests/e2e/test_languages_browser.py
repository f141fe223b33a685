"""Every language in a real browser (Debian's chromium): the Arabic page right to left, mirrored,
with the campaign's fallback title marked; the Romanian page; each at desktop and phone sizes
(the screenshots are left in the temporary directory for people to look at)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, expect

from devstack.harness.signup import SignupService, signup_api
from mobilise_runtime.settings import SharedSettings
from tests.counter_totals import counter_totals, totals_of

SCREENSHOTS = Path(tempfile.gettempdir())
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def totals() -> dict[str, dict[str, Any]]:
    return {}


@pytest.fixture
def signup(
    shared_settings: SharedSettings, unique: str, totals: dict[str, dict[str, Any]]
) -> Iterator[SignupService]:
    with (
        counter_totals(totals) as counter,
        signup_api(shared_settings, f"signup_{unique}", SIGNUP_COUNTER_URL=counter) as service,
    ):
        yield service


async def test_the_arabic_page_is_right_to_left_and_the_romanian_page_reads_well(
    signup: SignupService, browser: Browser, totals: dict[str, dict[str, Any]]
) -> None:
    campaign = signup.create_campaign(countries=["MA", "TN", "SN", "RO"])
    totals[campaign["slug"]] = totals_of(campaign["slug"], goal=50_000, signed=3)
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = await browser.new_context(locale="ar-MA", viewport=viewport)  # type: ignore[arg-type]
        page = await context.new_page()
        await page.goto(f"{signup.url}/c/{campaign['slug']}")
        html = page.locator("html")
        await expect(html).to_have_attribute("lang", "ar")
        await expect(html).to_have_attribute("dir", "rtl")
        # No Arabic title: the French one, marked as French for screen readers.
        heading = page.get_by_role("heading", level=1)
        await expect(heading).to_have_attribute("lang", "fr")
        await expect(page.get_by_role("heading", level=2)).to_have_text("وقّع على التعهد")
        await expect(page.locator("#progress-text")).to_have_text("3 توقيعات من أصل هدف 50,000")
        # Mirrored: labels start at the right edge of their field.
        label = await page.get_by_text("البريد الإلكتروني", exact=True).bounding_box()
        field = await page.locator("#email").bounding_box()
        assert label is not None
        assert field is not None
        assert abs((label["x"] + label["width"]) - (field["x"] + field["width"])) < 4
        assert label["x"] > field["x"]
        await page.screenshot(path=str(SCREENSHOTS / f"campaign-ar-{name}.png"), full_page=True)

        await page.get_by_role("link", name="Română").click()  # the switcher
        await expect(html).to_have_attribute("lang", "ro")
        await expect(html).to_have_attribute("dir", "ltr")
        await expect(page.get_by_role("button", name="Semnez")).to_be_visible()
        await expect(page.locator("#progress-text")).to_have_text(
            "3 semnături din obiectivul de 50.000"
        )
        await page.screenshot(path=str(SCREENSHOTS / f"campaign-ro-{name}.png"), full_page=True)
        await context.close()
