"""The partner widget in a real browser (Debian's chromium driven by Playwright): make run's demo
partner site, on an origin of its own, embeds the widget from a real signup-api; signups go
through Kafka to a counter-consumer, and the widget's counter follows them; the iframe variant
signs for the partner too. A page on an origin the partner did not register gets the fallback
link, and the API refuses it."""

from __future__ import annotations

import asyncio
import re
import tempfile
from pathlib import Path

import httpx
from playwright.async_api import Browser, expect

from devstack.harness.signup import ADMIN_TOKEN, pledge_body, signup_api
from devstack.partner_demo import DEMO_CAMPAIGN, DEMO_PARTNER, demo_origins, register_demo
from mobilise_runtime.settings import SharedSettings
from tests.e2e.widget_form import sign_as_fatou
from tests.service_chain import Stack, partner_site

SCREENSHOT = Path(tempfile.gettempdir()) / "widget.png"
PAGE_SCREENSHOT = Path(tempfile.gettempdir()) / "widget-on-partner-page.png"
IFRAME_SCREENSHOT = Path(tempfile.gettempdir()) / "widget-iframe.png"
# Kafka, then the consumer's batch, then the widget's next poll (every 2 s after a signup).
LIVE_TIMEOUT_MS = 60_000


async def signed_in_counter(stack: Stack) -> int:
    async with httpx.AsyncClient(timeout=5) as client:
        response = await client.get(f"{stack.counter_url}/api/v1/campaigns/{DEMO_CAMPAIGN}/totals")
    return int(response.json()["signed"]) if response.status_code == 200 else 0


async def counted(stack: Stack, signed: int) -> None:
    """Bounded polling until the counter has counted `signed` signups."""
    for _ in range(300):
        if await signed_in_counter(stack) >= signed:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"the counter did not reach {signed} in 60 s")


async def test_the_demo_partner_page_signs_and_counts_through_the_widget(
    stack_of_services: Stack, browser: Browser
) -> None:
    chain = stack_of_services
    with partner_site(chain) as site, partner_site(chain) as unregistered:
        port = int(site.rsplit(":", 1)[1])
        register_demo(chain.signup.url, ADMIN_TOKEN, demo_origins(port))
        register_demo(chain.signup.url, ADMIN_TOKEN, demo_origins(port))  # idempotent
        # A first supporter, through the API, so that the counter knows the campaign.
        consent = "demo-2026"
        async with httpx.AsyncClient(base_url=chain.signup.url, timeout=15) as client:
            first = await client.post(
                f"/api/v1/campaigns/{DEMO_CAMPAIGN}/pledges",
                json=pledge_body(
                    consent,
                    email="first@example.org",
                    country="SN",
                    newsletter_opt_in=False,
                    partner=DEMO_PARTNER,
                ),
            )
            assert first.status_code == 202, first.text
        await counted(chain, 1)
        context = await browser.new_context(
            locale="fr-FR", viewport={"width": 1000, "height": 1000}
        )
        page = await context.new_page()
        await page.goto(site)
        widget = page.locator("[data-mobilise-widget]")
        await expect(widget).to_have_attribute("data-mobilise-state", "ready")
        # The form lives in the widget's shadow root: the host's CSS (labels hidden, red inputs)
        # does not reach it.
        email = widget.get_by_label("Adresse e-mail", exact=True)
        await expect(email).to_be_visible()
        assert (
            await email.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 255, 255)"
        )
        await expect(widget.locator("#mw-count")).to_have_text(
            "1 signature sur un objectif de 1\u202f000"
        )

        await page.screenshot(path=str(PAGE_SCREENSHOT))

        # Refusals from the API's 422, next to their fields; consent is the widget's own check.
        await email.fill("awa.diop")
        await widget.get_by_label("Prénom", exact=True).fill("Awa")
        await widget.get_by_label("Pays", exact=True).select_option("SN")
        await widget.get_by_role("button", name="Signer").click()
        await expect(widget.locator("#mw-consent-error")).to_have_text(
            "Cochez cette case pour signer."
        )
        await widget.get_by_label(re.compile("J'accepte que mes données")).check()
        await widget.get_by_role("button", name="Signer").click()
        await expect(widget.locator("#mw-email-error")).to_have_text(
            "Saisissez une adresse e-mail valide, par ex. nom@exemple.fr."
        )
        await expect(email).to_have_attribute("aria-invalid", "true")
        await expect(widget.get_by_role("alert")).to_be_focused()
        await expect(widget.get_by_role("alert")).to_contain_text(
            "Le formulaire contient des erreurs"
        )

        # Corrected, and sent from the keyboard.
        await email.fill("awa.diop@example.org")
        await widget.get_by_role("button", name="Signer").focus()
        await page.keyboard.press("Enter")
        thanks = widget.get_by_role("status")
        await expect(thanks).to_contain_text("Merci\u202f!")
        await expect(thanks).to_be_focused()
        await expect(widget.locator("#mw-count")).to_have_text(
            re.compile(r"^2 signatures sur un objectif de 1\u202f000$"), timeout=LIVE_TIMEOUT_MS
        )
        await expect(widget.locator("progress")).to_have_attribute("value", "2")
        await widget.screenshot(path=str(SCREENSHOT))

        # The iframe variant, framed by the registered origin, signs for the partner too.
        await page.goto(f"{site}/iframe")
        frame = page.frame_locator("iframe")
        await expect(frame.get_by_role("heading", level=1)).to_have_text("L'égalité, ça se signe")
        await page.screenshot(path=str(IFRAME_SCREENSHOT))
        await sign_as_fatou(frame, country="FR")
        await expect(frame.get_by_role("status")).to_contain_text("Merci\u202f!")

        # The counter's partner totals have all three (widget and iframe recorded the partner).
        await counted(chain, 3)
        async with httpx.AsyncClient(timeout=5) as client:
            totals = (
                await client.get(f"{chain.counter_url}/api/v1/campaigns/{DEMO_CAMPAIGN}/totals")
            ).json()
        assert totals["by_partner"][DEMO_PARTNER]["signed"] == 3

        # Another origin (the same demo page on a port nobody registered): the link stays.
        refused = await context.new_page()
        await refused.goto(unregistered)
        fallback = refused.locator("[data-mobilise-widget]")
        await expect(fallback).to_have_attribute("data-mobilise-state", "fallback")
        link = fallback.get_by_role("link", name="Signer sur la page de la campagne")
        await expect(link).to_be_visible()
        await expect(link).to_have_attribute("href", f"{chain.signup.url}/c/{DEMO_CAMPAIGN}")
        await context.close()

    async with httpx.AsyncClient(base_url=chain.signup.url, timeout=5) as client:
        preflight = await client.options(
            f"/api/v1/campaigns/{DEMO_CAMPAIGN}/pledges?partner={DEMO_PARTNER}",
            headers={"Origin": unregistered, "Access-Control-Request-Method": "POST"},
        )
    assert preflight.status_code == 403
    assert "is not registered" in preflight.json()["detail"]
    assert await signed_in_counter(chain) == 3


class SlowFirstCounter:
    """A stand-in for counter-api's totals: its first answer comes after signup's budget for
    the progress (0.5 s), the next ones at once — a counter busy for a moment."""

    def __init__(self) -> None:
        self.asked = 0

    async def answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        self.asked += 1
        if self.asked == 1:
            await asyncio.sleep(1.5)
        body = b'{"goal": 1000, "signed": 1}'
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
            + f"content-length: {len(body)}\r\nconnection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        writer.close()


async def test_the_widget_shows_the_count_soon_when_its_first_lookup_missed(
    shared_settings: SharedSettings, unique: str, browser: Browser
) -> None:
    """The widget's configuration came without a count (the counter did not answer in time):
    the count appears at the next quick poll, not ten seconds later."""
    counter = SlowFirstCounter()
    server = await asyncio.start_server(counter.answer, "127.0.0.1", 0)
    counter_url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    async with server:
        with (
            signup_api(shared_settings, f"signup_{unique}", SIGNUP_COUNTER_URL=counter_url) as api,
            partner_site(api) as site,
        ):
            register_demo(api.url, ADMIN_TOKEN, demo_origins(int(site.rsplit(":", 1)[1])))
            context = await browser.new_context(locale="fr-FR")
            page = await context.new_page()
            await page.goto(site)
            widget = page.locator("[data-mobilise-widget]")
            await expect(widget).to_have_attribute("data-mobilise-state", "ready")
            await expect(widget.locator("#mw-count")).to_have_text(
                "1 signature sur un objectif de 1\u202f000", timeout=5_000
            )
            assert counter.asked >= 2  # the first lookup missed; a poll found the count
            await context.close()
