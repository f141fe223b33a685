"""The dev outbox in a real browser (Debian's chromium driven by Playwright): what the SendGrid
stand-in received shows as the recipient would see it, substitutions applied, and an email's HTML
runs no script, neither in its frame nor in the page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from devstack.harness.mailer import standin as sendgrid_standin
from mailer.adapters.sendgrid import SendGridClient
from mobilise_runtime.mongo import ServiceDatabase
from mobilise_runtime.settings import SharedSettings
from tests.mailer_api_service import MailerService, mailer_api

HTML = (
    "<h1 id='greeting'>Bonjour -name-</h1>"
    "<p>Nous sommes 12 000.</p>"
    "<script>parent.document.title = 'ran'; document.title = 'ran'</script>"
    "<img src=x onerror=\"parent.document.title = 'ran'\">"
)


@pytest.fixture
def outbox(
    shared_settings: SharedSettings, database: ServiceDatabase, tmp_path: Path
) -> Iterator[tuple[MailerService, str]]:
    with (
        sendgrid_standin(tmp_path) as standin,
        mailer_api(
            shared_settings,
            MAILER_MONGO_DATABASE=database.db.name,
            MAILER_SENDGRID_HOST=standin,
            MAILER_DEV_OUTBOX="true",
        ) as mailer,
    ):
        yield mailer, standin


async def test_the_outbox_previews_an_email_and_runs_none_of_its_scripts(
    browser: Browser, outbox: tuple[MailerService, str]
) -> None:
    mailer, standin = outbox
    SendGridClient("dev", standin).send(
        {
            "from": {"email": "campagnes@mobilise.example", "name": "mobilise"},
            "personalizations": [
                {
                    "to": [{"email": "awa@example.org"}],
                    "subject": "Merci -name-",
                    "substitutions": {"-name-": "Awa"},
                }
            ],
            "content": [
                {"type": "text/plain", "value": "Bonjour -name-"},
                {"type": "text/html", "value": HTML},
            ],
        }
    )
    page = await browser.new_page()
    await page.goto(f"{mailer.url}/outbox")
    await expect(page.get_by_role("heading", name="Merci Awa")).to_be_visible()
    await expect(page.get_by_text("awa@example.org")).to_be_visible()
    await expect(page.get_by_text("mobilise <campagnes@mobilise.example>")).to_be_visible()
    preview = page.frame_locator("iframe[sandbox]").first
    await expect(preview.locator("#greeting")).to_have_text("Bonjour Awa")
    assert await page.title() == "mobilise outbox (dev)"
    frame = page.frames[1]
    assert await frame.title() != "ran"
