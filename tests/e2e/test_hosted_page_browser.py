"""The hosted campaign page in a real browser (Debian's chromium driven by Playwright) against a
real signup-api, Kafka and FerretDB: signing in French and in English with JavaScript and once
without it, then confirming from the link the email would carry; the Arabic page right to left
and the Romanian one, at desktop and phone sizes (screenshots left in the temporary directory)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from devstack.harness.signup import SignupService, signup_api
from mobilise_events import PledgeSigned, SignupConfirmed, VolunteerRegistered
from mobilise_runtime.settings import SharedSettings
from tests.counter_totals import counter_totals, totals_of
from tests.kafka_reader import read_events

SCREENSHOT = Path(tempfile.gettempdir()) / "campaign-fr.png"
SCREENSHOTS = Path(tempfile.gettempdir())
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def totals() -> dict[str, dict[str, Any]]:
    """What the counter says of each campaign; a campaign it does not know has no progress bar."""
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


async def events(signup: SignupService, event: type[Any], count: int) -> list[Any]:
    prefix = signup.shared.topic_prefix
    return await read_events(
        signup.shared.kafka_bootstrap, prefix + event.topic, prefix, count=count
    )


async def fill_pledge(page: Page, labels: dict[str, str], campaign: dict[str, Any]) -> None:
    await page.get_by_label(labels["email"], exact=True).fill("awa.diop@example.org")
    await page.get_by_label(labels["first_name"], exact=True).fill("Awa")
    await page.get_by_label(labels["country"], exact=True).select_option("SN")
    consent = campaign["consent"]["text"][labels["locale"]]
    await page.get_by_label(consent).check()


FRENCH = {
    "locale": "fr",
    "email": "Adresse e-mail",
    "first_name": "Prénom",
    "country": "Pays",
    "region": "Région (facultatif)",
}
ENGLISH = {
    "locale": "en",
    "email": "Email address",
    "first_name": "First name",
    "country": "Country",
    "region": "Region (optional)",
}


async def test_signing_with_javascript_in_french_and_english_then_confirming(
    signup: SignupService, browser: Browser, totals: dict[str, dict[str, Any]]
) -> None:
    pledge = signup.create_campaign(countries=["FR", "SN", "CI"])
    volunteer = signup.create_campaign(
        kind="volunteer", title={"fr": "Mentorat", "en": "Mentoring"}
    )

    french = await browser.new_context(locale="fr-FR")
    page = await french.new_page()
    await page.clock.install()
    await page.goto(f"{signup.url}/c/{pledge['slug']}")
    await expect(page.locator("html")).to_have_attribute("lang", "fr")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Femmes du numérique")
    await expect(page.locator("#progress")).to_be_hidden()
    # The counter starts to answer: the script shows the bar at its next refresh (every 10 s).
    totals[pledge["slug"]] = totals_of(pledge["slug"], goal=50_000, signed=18_432)
    await page.clock.run_for(10_000)
    await expect(page.locator("#progress-text")).to_have_text(
        "18\u202f432 signatures sur un objectif de 50\u202f000"
    )
    await expect(page.locator("#progress-bar")).to_have_attribute("value", "18432")
    await page.screenshot(path=str(SCREENSHOT), full_page=True)

    # Without consent the script may not call the API (that would sign): the form is posted
    # as without JavaScript, and the server answers every missing field at once.
    await page.get_by_role("button", name="Signer").click()
    await expect(page).to_have_url(f"{signup.url}/c/{pledge['slug']}?lang=fr")
    await expect(page.locator("#consent-error")).to_have_text("Cochez cette case pour signer.")
    await expect(page.locator("#email-error")).to_be_visible()

    # With consent, wrong answers come back from the JSON API, shown next to each field.
    await page.evaluate("window.stayed = true")  # gone if the page were loaded again
    await fill_pledge(page, FRENCH, pledge)
    await page.get_by_label(FRENCH["email"], exact=True).fill("awa.diop")
    # The regions of the chosen country, named in French, from the API.
    await expect(page.get_by_label(FRENCH["region"]).locator("option[value=SN-DK]")).to_have_text(
        "Dakar"
    )
    await page.get_by_role("button", name="Signer").click()
    await expect(page.locator("#email-error")).to_have_text(
        "Saisissez une adresse e-mail valide, par ex. nom@exemple.fr."
    )
    await expect(page.locator("#consent-error")).to_be_hidden()
    await expect(page.get_by_label(FRENCH["email"], exact=True)).to_have_attribute(
        "aria-invalid", "true"
    )
    assert await page.evaluate("window.stayed") is True

    await page.get_by_label(FRENCH["email"], exact=True).fill("awa.diop@example.org")
    await page.get_by_label(FRENCH["region"]).select_option("SN-DK")
    await page.get_by_role("button", name="Signer").click()
    await expect(page.get_by_role("status")).to_contain_text(
        "Consultez votre boîte de réception pour confirmer"
    )

    english = await browser.new_context(locale="en-GB")
    page = await english.new_page()
    await page.goto(f"{signup.url}/c/{volunteer['slug']}")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await fill_pledge(page, ENGLISH, volunteer)
    await page.get_by_label("Mentoring women entrepreneurs").check()
    await page.get_by_label("Digital skills training").check()
    await page.get_by_label("Availability").select_option("few_hours_week")
    await page.get_by_label("I would like training before I start").check()
    await english.set_offline(True)
    await page.get_by_role("button", name="Sign me up").click()
    await expect(page.locator("#error-summary")).to_contain_text("Could not connect")
    await english.set_offline(False)
    await page.get_by_role("button", name="Sign me up").click()
    await expect(page.get_by_role("status")).to_contain_text("Check your inbox to confirm")

    [signed] = await events(signup, PledgeSigned, 1)
    assert (signed.locale, signed.country, signed.region) == ("fr", "SN", "SN-DK")
    [registered] = await events(signup, VolunteerRegistered, 1)
    assert registered.locale == "en"
    assert registered.skills == ("digital_skills_training", "mentoring")
    assert registered.wants_training is True

    # The link of the confirmation email: a page with a button, which alone confirms.
    page = await french.new_page()
    await page.goto(f"{signup.url}/confirm/{signup.links(signed).confirm_token}")
    await page.get_by_role("button", name="Je confirme").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("C'est confirmé\u202f!")
    [confirmed] = await events(signup, SignupConfirmed, 1)
    assert confirmed.signup_id == signed.signup_id
    assert confirmed.supporter_key == signed.supporter_key
    await french.close()
    await english.close()


async def test_the_form_works_without_javascript(signup: SignupService, browser: Browser) -> None:
    campaign = signup.create_campaign(double_opt_in=False)
    context = await browser.new_context(java_script_enabled=False, locale="fr-FR")
    page = await context.new_page()
    await page.goto(f"{signup.url}/c/{campaign['slug']}")
    await page.get_by_role("link", name="English").click()  # the switcher
    await expect(page.locator("html")).to_have_attribute("lang", "en")

    await page.get_by_role("button", name="Sign", exact=True).click()
    await expect(page.locator("#first_name-error")).to_contain_text("Enter your first name")

    await fill_pledge(page, ENGLISH, campaign)
    # The chosen country's regions come with the form again, as it was filled in.
    await page.get_by_role("button", name="Show the regions of this country").click()
    await page.get_by_label(ENGLISH["region"]).select_option("SN-DK")
    await page.get_by_label("Send me the campaign's news by email").check()
    # Enter in a field signs: the form's default button is a copy of "Sign", not the regions'.
    await page.get_by_label(ENGLISH["first_name"], exact=True).press("Enter")
    await expect(page).to_have_url(
        f"{signup.url}/c/{campaign['slug']}/thanks?status=accepted&lang=en"
    )
    await expect(page.get_by_role("heading", level=1)).to_have_text("Thank you!")

    [signed] = await events(signup, PledgeSigned, 1)
    assert (signed.locale, signed.newsletter_opt_in, signed.double_opt_in) == ("en", True, False)
    assert (signed.country, signed.region) == ("SN", "SN-DK")
    await context.close()


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
        # Mirrored: a label's words start at the right edge of its field.
        text, field = await page.evaluate(
            """() => {
                const range = document.createRange();
                range.selectNodeContents(document.querySelector("label[for=email]"));
                const box = (r) => [r.left, r.right];
                return [box(range.getBoundingClientRect()),
                        box(document.getElementById("email").getBoundingClientRect())];
            }"""
        )
        assert abs(text[1] - field[1]) < 4
        assert text[0] > field[0] + 20
        await expect(page.locator("label[for=consent]")).to_have_attribute("lang", "fr")
        # Nothing wider than the screen (four languages in the header, too).
        assert await page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        await expect(page.locator("#show-regions")).to_be_hidden()  # the script lists them
        await page.locator(".consent").screenshot(path=str(SCREENSHOTS / "consent-ar.png"))
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
