"""The organisers' dashboard in a real browser (Debian's chromium driven by Playwright), fed by
the real chain: signups through a signup-api, Kafka, a counter-consumer into FerretDB, and the
counter-api that serves the page, its totals stream and its history."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Browser, Page, expect

from tests.service_chain import Stack

SCREENSHOT = Path(tempfile.gettempdir()) / "dashboard.png"
PHONE_SCREENSHOT = Path(tempfile.gettempdir()) / "dashboard-phone-no-js.png"
# Kafka, then the consumer's batch, then the stream's poll: well under this.
LIVE_TIMEOUT_MS = 20_000


async def sign(stack: Stack, campaign: dict[str, Any], country: str, **fields: Any) -> None:
    body = {
        "email": f"{country.lower()}-{fields.pop('n', 0)}@example.org",
        "first_name": "Awa",
        "country": country,
        "locale": "fr",
        "newsletter_opt_in": False,
        "consent_text_version": campaign["consent"]["version"],
        **fields,
    }
    async with httpx.AsyncClient(base_url=stack.signup.url, timeout=15) as client:
        response = await client.post(f"/api/v1/campaigns/{campaign['slug']}/pledges", json=body)
        assert response.status_code == 202, response.text


async def rows(page: Page, table: str) -> list[list[str]]:
    cells = page.locator(f"#{table} tbody tr")
    return [
        [text.strip() for text in await row.locator("th, td").all_inner_texts()]
        for row in await cells.all()
    ]


async def test_the_dashboard_follows_signups_live(
    stack_of_services: Stack, browser: Browser
) -> None:
    stack = stack_of_services
    campaign = stack.signup.create_campaign(
        goal=20, countries=["FR", "SN", "CI"], double_opt_in=False
    )
    await stack.signup_db.db["partners"].insert_one(
        {"_id": "asso-dakar", "campaigns": [campaign["id"]]}
    )
    await sign(stack, campaign, "FR", region="FR-IDF")

    context = await browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await page.goto(f"{stack.counter_url}/dashboard/{campaign['slug']}")
    await expect(page.locator("html")).to_have_attribute("lang", "fr")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Femmes du numérique")
    await expect(page.locator("#live-status")).to_have_text("En direct")
    await expect(page.locator("#total-signed")).to_have_text("1", timeout=LIVE_TIMEOUT_MS)

    # Signups while the page is open: the numbers, the bar, the chart and the tables follow.
    # (Without double opt-in, each signup is confirmed at once.)
    await sign(stack, campaign, "SN", region="SN-DK", partner="asso-dakar")
    await sign(stack, campaign, "SN", n=1, partner="asso-dakar")
    await sign(stack, campaign, "CI")
    await expect(page.locator("#total-signed")).to_have_text("4", timeout=LIVE_TIMEOUT_MS)
    await expect(page.locator("#progress-bar")).to_have_attribute("value", "4")
    await expect(page.locator("#progress-sentence")).to_have_text(
        "4 signatures sur un objectif de 20"
    )
    await expect(page.locator("#percent")).to_have_text("20 % de l'objectif")
    await expect(page.locator("#updated-at")).to_contain_text("Mis à jour le")
    await expect(page.locator("#countries tbody tr")).to_have_count(3, timeout=LIVE_TIMEOUT_MS)
    assert await rows(page, "countries") == [
        ["Sénégal SN", "2", "2", "50,0\u00a0%"],
        ["Côte d'Ivoire CI", "1", "1", "25,0\u00a0%"],
        ["France FR", "1", "1", "25,0\u00a0%"],
    ]
    assert await rows(page, "macro-regions") == [
        ["Afrique", "3", "3", "75,0\u00a0%"],
        ["Europe", "1", "1", "25,0\u00a0%"],
    ]
    assert (await rows(page, "partners"))[0][:3] == ["1", "asso-dakar", "2"]
    await expect(page.locator("#chart-plot rect.bar")).to_have_count(61)
    # (The four may fall in two minutes.)
    await expect(page.locator("#chart-summary")).to_contain_text(
        "Signatures sur la période\u00a0: 4\u202f;", timeout=LIVE_TIMEOUT_MS
    )
    await page.screenshot(path=str(SCREENSHOT), full_page=True)

    await page.get_by_role("button", name="Dernières 24 heures").click()
    await expect(page.get_by_role("button", name="Dernières 24 heures")).to_have_attribute(
        "aria-pressed", "true"
    )
    await expect(page.locator("#chart-plot rect.bar")).to_have_count(25)
    await expect(page.locator("#chart-caption")).to_have_text("Signatures par heure")
    # The total is read out to screen readers, at most every 10 s.
    await expect(page.locator("#announcer")).to_have_text(
        "4 signatures sur un objectif de 20", timeout=LIVE_TIMEOUT_MS
    )
    await context.close()


async def test_without_javascript_the_dashboard_is_the_totals_of_its_loading(
    stack_of_services: Stack, browser: Browser
) -> None:
    stack = stack_of_services
    campaign = stack.signup.create_campaign(goal=1_000, countries=["SN"])
    await sign(stack, campaign, "SN", region="SN-DK")
    context = await browser.new_context(
        java_script_enabled=False, locale="en-GB", viewport={"width": 390, "height": 844}
    )
    page = await context.new_page()
    url = f"{stack.counter_url}/dashboard/{campaign['slug']}"
    async with httpx.AsyncClient(timeout=5) as client:
        for _ in range(100):  # until the consumer has counted it
            body = (
                await client.get(f"{stack.counter_url}/api/v1/campaigns/{campaign['slug']}/totals")
            ).json()
            if body["signed"] == 1:
                break
            await page.wait_for_timeout(200)
    await page.goto(url)
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.locator("#total-signed")).to_have_text("1")
    await expect(page.locator("#progress-sentence")).to_have_text(
        "1 signature towards a goal of 1,000"
    )
    assert await rows(page, "countries") == [["Senegal SN", "1", "0", "100.0%"]]
    assert await rows(page, "regions") == [["Dakar SN-DK", "1", "0", "100.0%"]]
    await expect(page.locator("#chart-caption")).to_have_text("The chart needs JavaScript.")
    await expect(page.locator("#live-status")).to_be_hidden()
    await page.screenshot(path=str(PHONE_SCREENSHOT), full_page=True)
    await page.get_by_role("link", name="Français").click()
    await expect(page.locator("html")).to_have_attribute("lang", "fr")
    await expect(page.get_by_role("columnheader", name="Pays")).to_be_visible()
    await context.close()
