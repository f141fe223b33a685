"""The proof of work in a real browser (Debian's chromium driven by Playwright) against a real
signup-api, Redis and Kafka: past the soft threshold the hosted page and the partner widget get a
challenge (428), solve it in JavaScript and sign; the event is in Kafka."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, expect

from devstack.harness.processes import free_port, running, service_env
from devstack.harness.signup import ADMIN_TOKEN, SignupService, signup_api
from devstack.partner_demo import DEMO_CAMPAIGN, DEMO_PARTNER, demo_origins, register_demo
from mobilise_events import PledgeSigned
from mobilise_runtime.settings import SharedSettings
from tests.counter_totals import counter_totals
from tests.e2e.widget_form import sign_as_fatou
from tests.kafka_reader import read_events

# Every signup, from the first, asks for a proof of work.
ALWAYS = {"address": {"soft": 0, "hard": 100, "per_hour": 100}}
SCREENSHOT = Path(tempfile.gettempdir()) / "proof-of-work-widget.png"


@pytest.fixture
def signup(shared_settings: SharedSettings, unique: str) -> Iterator[SignupService]:
    with (
        counter_totals({}) as counter,
        signup_api(shared_settings, f"signup_{unique}", SIGNUP_COUNTER_URL=counter) as service,
    ):
        yield service


async def signed(signup: SignupService, count: int) -> list[Any]:
    prefix = signup.shared.topic_prefix
    return await read_events(
        signup.shared.kafka_bootstrap, prefix + PledgeSigned.topic, prefix, count=count
    )


async def test_the_hosted_page_solves_the_proof_of_work_and_signs(
    signup: SignupService, browser: Browser
) -> None:
    campaign = signup.create_campaign(limits=ALWAYS)
    context = await browser.new_context(locale="en-GB")
    page = await context.new_page()
    answers: list[int] = []
    page.on("response", lambda r: answers.append(r.status) if "/pledges" in r.url else None)
    await page.goto(f"{signup.url}/c/{campaign['slug']}")
    await page.get_by_label("Email address", exact=True).fill("awa.diop@example.org")
    await page.get_by_label("First name", exact=True).fill("Awa")
    await page.get_by_label("Country", exact=True).select_option("SN")
    await page.get_by_label(campaign["consent"]["text"]["en"]).check()
    started = time.monotonic()
    await page.get_by_role("button", name="Sign").click()
    await expect(page.get_by_role("status")).to_contain_text("One more step!")
    assert answers == [428, 202]  # asked for a proof, then signed with it
    # A 14-bit proof is ~16,000 hashes: a few tens of ms here, well under a second on a phone.
    assert time.monotonic() - started < 10
    [event] = await signed(signup, 1)
    assert event.email == "awa.diop@example.org"


@pytest.fixture
def partner_site(signup: SignupService) -> Iterator[str]:
    """make run's demo partner site, on an origin of its own, embedding this signup's widget."""
    port = free_port()
    env = service_env(signup.shared, PARTNER_DEMO_PORT=str(port), SIGNUP_PUBLIC_URL=signup.url)
    with running("partner-demo", env) as site:
        url = f"http://127.0.0.1:{port}"
        assert site.wait_http(f"{url}/readyz").status_code == 200
        register_demo(signup.url, ADMIN_TOKEN, demo_origins(port))
        with signup.client(organiser=True) as c:
            c.patch(
                f"/api/v1/campaigns/{DEMO_CAMPAIGN}", json={"limits": ALWAYS}
            ).raise_for_status()
        yield url


async def test_the_widget_solves_the_proof_of_work_and_signs(
    signup: SignupService, partner_site: str, browser: Browser
) -> None:
    context = await browser.new_context(locale="fr-FR", viewport={"width": 360, "height": 900})
    page = await context.new_page()
    await page.goto(partner_site)
    widget = page.locator("[data-mobilise-widget]")
    await expect(widget).to_have_attribute("data-mobilise-state", "ready")
    await sign_as_fatou(widget, country="SN")
    await expect(widget.get_by_role("status")).to_contain_text("Merci")
    await widget.screenshot(path=str(SCREENSHOT))
    [event] = await signed(signup, 1)
    assert (event.email, event.partner) == ("fatou@example.org", DEMO_PARTNER)
    # The solver came from the signup service, loaded only when it was needed.
    scripts = await page.evaluate("[...document.scripts].map(s => s.src)")
    assert f"{signup.url}/static/pow.js" in scripts
    async with httpx.AsyncClient() as client:
        assert (await client.get(f"{signup.url}/static/pow.js")).status_code == 200
