"""Accessibility, measured: axe-core (devstack.harness.axe) in Debian's chromium on every page a
supporter or an organiser sees — the hosted page (and its refusals), the widget on the partner
demo's page, the iframe, the confirm and unsubscribe pages and the dashboard — in every language
of mobilise_runtime.locales.LOCALES: no serious or critical violation of WCAG 2.x A/AA. Then a
signup done with the keyboard alone, every focus visible, and refusals announced."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from devstack.harness.axe import assert_accessible, audit
from devstack.harness.signup import ADMIN_TOKEN, pledge_body
from devstack.partner_demo import demo_origins, register_demo
from mobilise_runtime.link_tokens import ConfirmClaim, Tokens, UnsubscribeClaim
from mobilise_runtime.locales import LOCALES
from tests.service_chain import Stack, partner_site


@dataclass
class Site:
    stack: Stack
    partner: str  # the demo partner's site
    campaign: dict[str, Any]  # a volunteer campaign: the longest form


@pytest.fixture
async def site(stack_of_services: Stack) -> AsyncIterator[Site]:
    stack = stack_of_services
    with partner_site(stack) as partner:
        register_demo(stack.signup.url, ADMIN_TOKEN, demo_origins(int(partner.rsplit(":")[-1])))
        campaign = stack.signup.create_campaign(kind="volunteer", countries=["FR", "SN"])
        async with httpx.AsyncClient(base_url=stack.signup.url, timeout=15) as client:
            signed = await client.post(
                f"/api/v1/campaigns/{campaign['slug']}/volunteers",
                json=pledge_body(
                    campaign["consent"]["version"],
                    country="SN",
                    newsletter_opt_in=False,
                    skills=["mentoring"],
                    availability="few_hours_month",
                ),
            )
            assert signed.status_code == 202, signed.text
            totals = f"{stack.counter_url}/api/v1/campaigns/{campaign['slug']}/totals"
            for _ in range(300):  # bounded: until the counter has counted it
                answer = await client.get(totals)
                if answer.status_code == 200 and answer.json()["signed"] == 1:
                    break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("the counter did not count the signup in 30 s")
        yield Site(stack, partner, campaign)


def tokens(stack: Stack, campaign: dict[str, Any]) -> tuple[str, str]:
    """A confirm and an unsubscribe link's tokens, as the signup service makes them."""
    made = Tokens(stack.signup.token_keys, confirm_max_age_s=3600)
    confirm = made.confirm_token(ConfirmClaim(uuid.uuid4(), campaign["id"], "k"))
    unsubscribe = made.unsubscribe_token(UnsubscribeClaim("awa@example.org", campaign["id"]))
    return confirm, unsubscribe


@pytest.mark.parametrize("locale", LOCALES)
async def test_every_page_has_no_serious_violation(
    site: Site, browser: Browser, locale: str
) -> None:
    stack, slug = site.stack, site.campaign["slug"]
    context = await browser.new_context(locale=locale)
    page = await context.new_page()

    await page.goto(f"{stack.signup.url}/c/{slug}?lang={locale}")
    await expect(page.locator("html")).to_have_attribute("lang", locale)
    await assert_accessible(page)
    # Refused: every message in place, the summary focused.
    await page.locator("#signup-form button[type=submit].button--wide").click()
    await expect(page.locator("#error-summary")).to_be_visible()
    await assert_accessible(page)

    confirm, unsubscribe = tokens(stack, site.campaign)
    for path in (f"/confirm/{confirm}", f"/unsubscribe/{unsubscribe}", f"/c/{slug}/thanks"):
        await page.goto(f"{stack.signup.url}{path}?lang={locale}")
        await expect(page.locator("html")).to_have_attribute("lang", locale)
        await assert_accessible(page)

    await page.goto(f"{stack.counter_url}/dashboard/{slug}?lang={locale}")
    await expect(page.locator("html")).to_have_attribute("lang", locale)
    await expect(page.locator("#total-signed")).to_have_text("1")
    await assert_accessible(page)

    await page.goto(f"{site.partner}/?lang={locale}")
    widget = page.locator("[data-mobilise-widget]")
    await expect(widget).to_have_attribute("data-mobilise-state", "ready")
    await assert_accessible(page)
    await widget.get_by_role("button").last.click()
    await expect(widget.get_by_role("alert")).to_be_visible()
    await assert_accessible(page)
    # The audit does see into the widget's shadow root: a label taken away is found.
    await widget.evaluate("host => host.shadowRoot.querySelector('label[for]').remove()")
    assert "label" in {v.rule for v in await audit(page)}

    await page.goto(f"{site.partner}/iframe?lang={locale}")
    embedded_page = page.frame_locator("iframe").locator("html")
    await expect(embedded_page).to_have_attribute("lang", locale)
    await expect(embedded_page.locator("h1")).to_be_visible()
    await assert_accessible(page)
    # … and into the iframe, which is of another origin than the partner's page.
    embedded = next(frame for frame in page.frames if "/embed/" in frame.url)
    await embedded.evaluate("() => document.querySelector('label[for=email]').remove()")
    assert any(v.rule == "label" and "iframe" in v.targets[0] for v in await audit(page))
    await context.close()


async def focused(page: Page) -> dict[str, Any]:
    """What has the focus, and whether it is visibly marked."""
    found: dict[str, Any] = await page.evaluate(
        """() => {
            let e = document.activeElement;
            while (e && e.shadowRoot && e.shadowRoot.activeElement) e = e.shadowRoot.activeElement;
            const style = getComputedStyle(e);
            return {
                id: e.id, name: e.getAttribute("name"), tag: e.tagName.toLowerCase(),
                outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
                matches: e.matches(":focus-visible"),
            };
        }"""
    )
    return found


async def tab_to(page: Page, selector: str, *, limit: int = 25) -> None:
    """Tab until what `selector` names has the focus, every stop visibly marked."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        now = await focused(page)
        assert now["matches"], f"focus on {now} is not :focus-visible"
        assert now["outline"], f"focus on {now} has no outline"
        if await page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} is not reached by {limit} tabs")


async def test_signing_with_the_keyboard_alone(site: Site, browser: Browser) -> None:
    stack = site.stack
    campaign = stack.signup.create_campaign(countries=["FR", "SN"])
    context = await browser.new_context(locale="fr-FR")
    page = await context.new_page()
    await page.goto(f"{stack.signup.url}/c/{campaign['slug']}")

    # The skip link first, then straight to the form.
    await page.keyboard.press("Tab")
    assert (await focused(page))["tag"] == "a"
    await page.keyboard.press("Enter")
    await tab_to(page, "#email")
    await page.keyboard.type("awa.diop@example.org")
    # Sent without consent nor first name: the refusals come back with the focus on their
    # summary (an alert), whose links lead to each field.
    await tab_to(page, "#signup-form [type=submit]")
    await page.keyboard.press("Enter")
    summary = page.locator("#error-summary")
    await expect(summary).to_be_focused()
    await expect(summary).to_have_attribute("role", "alert")
    await expect(page.locator("#first_name")).to_have_attribute("aria-invalid", "true")
    described = await page.locator("#first_name").get_attribute("aria-describedby") or ""
    await expect(page.locator(f"#{described.split()[-1]}")).to_contain_text("prénom")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")  # the summary's first link: the first name's field
    await expect(page.locator("#first_name")).to_be_focused()
    await page.keyboard.type("Awa")
    await tab_to(page, "#country")
    await page.keyboard.type("Sén")
    await expect(page.locator("#country")).to_have_value("SN")
    await tab_to(page, "#consent")
    await page.keyboard.press("Space")
    await expect(page.locator("#consent")).to_be_checked()
    await tab_to(page, "#signup-form [type=submit]")
    await page.keyboard.press("Enter")
    thanks = page.get_by_role("status")
    await expect(thanks).to_contain_text("Consultez votre boîte de réception")
    await expect(thanks).to_be_focused()
    await context.close()
