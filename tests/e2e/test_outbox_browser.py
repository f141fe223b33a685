"""The dev outbox in a real browser (Debian's chromium driven by Playwright): what the SendGrid
stand-in received shows as the recipient would see it, substitutions applied, and an email's HTML
runs no script, neither in its frame nor in the page. Screenshots on a desktop and a phone, every
email's frame painted (tests/e2e/previews.py: chromium paints none outside the viewport)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from devstack.harness.mailer import standin as sendgrid_standin
from mailer.adapters.sendgrid import SendGridClient
from mobilise_runtime.mongo import ServiceDatabase
from mobilise_runtime.settings import SharedSettings
from tests.e2e.previews import previews_shown, screenshot_with_previews
from tests.mailer_api_service import MailerService, mailer_api

SCREENSHOTS = Path(tempfile.gettempdir())
FRAMES = "iframe[sandbox]"
HTML = (
    # The mailer's emails' background (tests/e2e/previews.py checks each frame shows it).
    "<style>body { background: rgb(246, 245, 242) }</style>"
    "<h1 id='greeting'>Bonjour -name-</h1>"
    "<p>Nous sommes 12 000.</p>"
    "<script>parent.document.title = 'ran'; document.title = 'ran'</script>"
    # An image that fails without a fetch (previews.py checks that a frame names nothing to fetch).
    "<img src='data:,' onerror=\"parent.document.title = 'ran'\">"
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
    # Three emails: the frames of the older two are below the fold on either screen.
    names = {
        "Awa": "awa@example.org",
        "Bastien": "bastien@example.org",
        "Chloé": "chloe@example.org",
    }
    SendGridClient("dev", standin).send(
        {
            "from": {"email": "campagnes@mobilise.example", "name": "mobilise"},
            "personalizations": [
                {
                    "to": [{"email": email}],
                    "subject": "Merci -name-",
                    "substitutions": {"-name-": name},
                }
                for name, email in names.items()
            ],
            "content": [
                {"type": "text/plain", "value": "Bonjour -name-"},
                {"type": "text/html", "value": HTML},
            ],
        }
    )
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await page.goto(f"{mailer.url}/outbox")
    texts = await previews_shown(page, frames_at=FRAMES)
    assert sorted(t.splitlines()[0] for t in texts) == [f"Bonjour {n}" for n in names]
    await screenshot_with_previews(page, SCREENSHOTS / "outbox.png", frames_at=FRAMES)
    await page.set_viewport_size({"width": 360, "height": 740})
    await screenshot_with_previews(page, SCREENSHOTS / "outbox-phone.png", frames_at=FRAMES)
    await expect(page.get_by_role("heading", name="Merci Awa")).to_be_visible()
    await expect(page.get_by_text("awa@example.org")).to_be_visible()
    await expect(page.get_by_text("mobilise <campagnes@mobilise.example>").first).to_be_visible()
    assert await page.title() == "mobilise outbox (dev)"
    titles = [await frame.title() for frame in page.frames[1:]]
    assert len(titles) == len(names)
    assert "ran" not in titles
