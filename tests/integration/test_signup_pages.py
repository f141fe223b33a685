"""The signup service's pages (no JavaScript) against the real Kafka and FerretDB: the hosted form,
double opt-in, unsubscribe, the charter, the progress bar fed by a counter, and Kafka down."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from dataclasses import replace
from html import unescape
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from cryptography.fernet import Fernet

from devstack.config import StackConfig
from devstack.harness.isolation import shared_settings
from devstack.harness.processes import free_port
from devstack.harness.signup import SignupService, signup_api
from devstack.stack import down, up
from mobilise_events import (
    PledgeSigned,
    SignupConfirmed,
    SupporterUnsubscribed,
    VolunteerRegistered,
)
from mobilise_runtime.kafka import ensure_topics
from mobilise_runtime.link_tokens import ConfirmClaim, Tokens, UnsubscribeClaim
from mobilise_runtime.mongo import ServiceDatabase
from mobilise_runtime.settings import SharedSettings
from signup.adapters.publisher import RETRY_AFTER_S
from tests.counter_totals import counter_totals, totals_of
from tests.kafka_reader import end_offsets, read_events

FORM = {
    "email": "Awa.Diop@Example.ORG",
    "first_name": "Awa",
    "last_name": "Diop",
    "country": "SN",
    "region": "sn-dk",
    "newsletter_opt_in": "yes",
    "consent": "yes",
}
EN = {"Accept-Language": "en-GB,en;q=0.9"}


@pytest.fixture
def signup(shared_settings: SharedSettings, unique: str) -> Iterator[SignupService]:
    # Nothing listens at the counter's address: the pages must do without it.
    counter = f"http://127.0.0.1:{free_port()}"
    with signup_api(shared_settings, f"signup_{unique}", SIGNUP_COUNTER_URL=counter) as service:
        yield service


def topic(signup: SignupService, event: type[Any]) -> str:
    return str(signup.shared.topic_prefix + event.topic)


async def events(signup: SignupService, event: type[Any], count: int) -> list[Any]:
    prefix = signup.shared.topic_prefix
    return await read_events(
        signup.shared.kafka_bootstrap, topic(signup, event), prefix, count=count
    )


async def offsets(signup: SignupService, event: type[Any]) -> dict[int, int]:
    return await end_offsets(signup.shared.kafka_bootstrap, topic(signup, event))


async def test_the_form_without_javascript_signs_and_says_thank_you(signup: SignupService) -> None:
    pledge = signup.create_campaign(countries=["FR", "SN"])
    volunteer = signup.create_campaign(kind="volunteer", double_opt_in=False)
    with signup.client() as c:
        page = c.get(f"/c/{pledge['slug']}", headers=EN)
        assert page.status_code == 200
        html = page.text
        assert '<html lang="en" dir="ltr">' in html
        assert "<h1>Women in digital</h1>" in html
        assert f'name="consent_text_version" value="{pledge["consent"]["version"]}"' in html
        assert pledge["consent"]["text"]["en"] in html
        assert 'href="/privacy?lang=en"' in html
        assert '<option value="SN">Senegal</option>' in html
        assert '<option value="FR">France</option>' in html
        assert 'value="DE"' not in html  # only the campaign's countries
        assert 'id="progress" data-url' in html
        assert 'data-url="/c/' + pledge["slug"] + '/progress" hidden' in html  # no counter
        assert 'name="skills"' not in html
        assert 'href="/c/' + pledge["slug"] + '?lang=fr"' in html  # the switcher
        assert page.headers["content-security-policy"].startswith("default-src 'self'")

        form = {**FORM, "consent_text_version": pledge["consent"]["version"]}
        posted = c.post(f"/c/{pledge['slug']}?lang=en", data=form)
        assert posted.status_code == 303, posted.text
        thanks_url = posted.headers["location"]
        assert thanks_url == f"/c/{pledge['slug']}/thanks?status=pending_confirmation&lang=en"
        thanks = c.get(thanks_url)
        assert thanks.status_code == 200
        assert "Check your inbox to confirm" in thanks.text

        arabic = c.get(f"/c/{volunteer['slug']}", headers={"Accept-Language": "ar-MA,fr;q=0.5"})
        assert '<html lang="ar" dir="rtl">' in arabic.text
        assert "<legend>مهاراتك</legend>" in arabic.text
        # No Arabic title: the campaign's fallback language's, marked as such.
        assert '<h1 lang="fr" dir="ltr">' in arabic.text
        assert '<option value="SN">السّنغال</option>' in arabic.text
        romanian = c.get(f"/c/{volunteer['slug']}?lang=ro")
        assert '<html lang="ro" dir="ltr">' in romanian.text
        assert "Competențele dumneavoastră" in romanian.text
        assert 'hreflang="ar" lang="ar">العربية</a>' in romanian.text  # the switcher

        french = c.get(f"/c/{volunteer['slug']}")  # no Accept-Language: French
        assert '<html lang="fr" dir="ltr">' in french.text
        assert "<legend>Vos compétences</legend>" in french.text
        assert '<option value="SN">Sénégal</option>' in french.text
        version = volunteer["consent"]["version"]
        form = {
            **FORM,
            "consent_text_version": version,
            "skills": ["mentoring", "digital_skills_training"],
            "availability": "few_hours_week",
            "wants_training": "yes",
        }
        posted = c.post(f"/c/{volunteer['slug']}?lang=fr", data=form)
        assert posted.status_code == 303, posted.text
        thanks = c.get(posted.headers["location"])
        assert "Merci\u202f! Votre inscription est bien enregistrée." in thanks.text

    [signed] = await events(signup, PledgeSigned, 1)
    assert signed.campaign_id == pledge["id"]
    assert (signed.email, signed.first_name, signed.last_name) == (
        "Awa.Diop@example.org",
        "Awa",
        "Diop",
    )
    assert (signed.country, signed.region, signed.locale) == ("SN", "SN-DK", "en")
    assert signed.newsletter_opt_in is True
    assert signed.consent_text_version == pledge["consent"]["version"]
    [registered] = await events(signup, VolunteerRegistered, 1)
    assert registered.skills == ("mentoring", "digital_skills_training")
    assert (registered.availability, registered.wants_training) == ("few_hours_week", True)
    assert registered.locale == "fr"


async def test_a_wrong_form_comes_back_with_its_errors_and_values(signup: SignupService) -> None:
    campaign = signup.create_campaign(kind="volunteer")
    before = await offsets(signup, VolunteerRegistered)
    form = {
        "consent_text_version": campaign["consent"]["version"],
        "email": "awa-at-example.org",
        "first_name": "Awa",
        "country": "FR",
        "region": "SN-DK",  # not a region of France
        "skills": "mentoring",
        "newsletter_opt_in": "yes",
    }
    with signup.client() as c:
        response = c.post(f"/c/{campaign['slug']}?lang=en", data=form)
    assert response.status_code == 422
    html = response.text
    assert '<html lang="en" dir="ltr">' in html
    assert (
        '<p class="field-error" id="email-error">Enter a valid email address, '
        "e.g. name@example.org.</p>"
    ) in html
    assert 'value="awa-at-example.org"' in html
    assert 'aria-describedby="email-error" aria-invalid="true"' in html
    assert 'value="SN-DK"' not in html  # the list is France's regions
    assert '<option value="FR-IDF">Île-de-France</option>' in html
    assert 'id="availability-error">Choose your availability.</p>' in html
    assert 'id="consent-error">Tick this box to sign.</p>' in html
    assert 'value="Awa"' in html
    assert '<option value="FR" selected>France</option>' in html
    assert 'value="mentoring" checked' in html
    assert 'id="newsletter_opt_in" name="newsletter_opt_in" value="yes" checked' in html
    assert 'id="first_name-error" hidden' in html  # a right field has no error
    assert '<a href="#email">' in html  # the summary links to the field
    assert 'id="region-error">Choose a region of the chosen country from the list' in html
    assert await offsets(signup, VolunteerRegistered) == before


async def test_regions_are_listed_for_the_chosen_country(signup: SignupService) -> None:
    campaign = signup.create_campaign(countries=["FR", "SN"])
    only_senegal = signup.create_campaign(countries=["SN"])
    before = await offsets(signup, PledgeSigned)
    with signup.client() as c:
        page = c.get(f"/c/{campaign['slug']}?lang=fr").text
        assert '<select id="region" name="region"' in page
        assert '<option value="">Choisissez d&#39;abord votre pays</option>' in page
        assert 'value="SN-DK"' not in page  # no country chosen yet
        # Without JavaScript: the regions' button posts the form, which comes back filled in.
        asked = {"email": "awa@example.org", "country": "SN", "show_regions": "yes"}
        shown = c.post(f"/c/{campaign['slug']}?lang=fr", data=asked)
        assert shown.status_code == 200
        assert '<option value="SN-DK">Dakar</option>' in shown.text
        assert 'value="awa@example.org"' in shown.text
        assert 'class="field-error" id="email-error" hidden' in shown.text  # not refused
        # A campaign of one country lists its regions at once.
        assert '<option value="SN-TH">Thiès</option>' in c.get(f"/c/{only_senegal['slug']}").text

        # With JavaScript: the list comes from the API, open to every origin.
        listed = c.get("/api/v1/regions/SN", params={"locale": "fr"})
        assert listed.status_code == 200
        assert {"value": "SN-DK", "label": "Dakar"} in listed.json()
        assert listed.headers["access-control-allow-origin"] == "*"
        assert listed.headers["cache-control"].startswith("public")
        assert c.get("/api/v1/regions/sn").json()[0] == {"value": "SN-DK", "label": "Dakar"}
        unknown = c.get("/api/v1/regions/ZZ")
        assert unknown.status_code == 404
        assert "ISO 3166-1" in unknown.json()["detail"]
        assert c.get("/api/v1/regions/SN", params={"locale": "de"}).status_code == 422
    assert await offsets(signup, PledgeSigned) == before


async def test_refusals_keep_the_api_status_in_friendly_pages(signup: SignupService) -> None:
    campaign = signup.create_campaign(countries=["FR"])
    form = {**FORM, "consent_text_version": campaign["consent"]["version"]}
    with signup.client() as c:
        not_covered = c.post(f"/c/{campaign['slug']}?lang=en", data=form)  # SN
        assert not_covered.status_code == 422
        assert 'id="country-error">This campaign does not cover that country.</p>' in (
            not_covered.text
        )
        with signup.client(organiser=True) as organiser:
            organiser.post(f"/api/v1/campaigns/{campaign['slug']}/close").raise_for_status()
        in_france = {**form, "country": "FR", "region": "FR-IDF"}
        closed = c.post(f"/c/{campaign['slug']}?lang=en", data=in_france)
        assert closed.status_code == 410
        assert "This campaign is closed" in closed.text
        assert 'id="signup-form"' not in closed.text
        missing = c.get("/c/no-such-campaign", headers=EN)
        assert missing.status_code == 404
        assert "<h1>Campaign not found</h1>" in missing.text
        assert c.get("/c/no-such-campaign/progress").status_code == 404
        assert c.get(f"/c/{campaign['slug']}/progress").status_code == 204  # no counter


async def signed_on_its_page(signup: SignupService) -> tuple[dict[str, Any], PledgeSigned]:
    """A new campaign, and a pledge made on its hosted page as published."""
    campaign = signup.create_campaign()
    form = {**FORM, "consent_text_version": campaign["consent"]["version"]}
    with signup.client() as c:
        assert c.post(f"/c/{campaign['slug']}", data=form).status_code == 303
    [signed] = await events(signup, PledgeSigned, 1)
    assert isinstance(signed, PledgeSigned)
    return campaign, signed


async def test_confirming_needs_the_button_not_the_link(signup: SignupService) -> None:
    campaign, signed = await signed_on_its_page(signup)
    with signup.client() as c:
        url = f"/confirm/{signup.links(signed).confirm_token}"
        before = await offsets(signup, SignupConfirmed)

        page = c.get(url, headers=EN)  # what a mail scanner does
        assert page.status_code == 200
        assert '<form method="post">' in page.text
        assert "<button" in page.text
        assert await offsets(signup, SignupConfirmed) == before

        confirmed = c.post(url, headers=EN)
        assert confirmed.status_code == 200
        assert "<h1>Confirmed!</h1>" in confirmed.text
        again = c.post(url, headers=EN)  # a second click: the same success
        assert again.status_code == 200
        assert "<h1>Confirmed!</h1>" in again.text

    first, second = await events(signup, SignupConfirmed, 2)
    assert first.signup_id == signed.signup_id
    assert first.campaign_id == campaign["id"]
    assert first.supporter_key == signed.supporter_key == second.supporter_key


async def test_bad_and_expired_links_get_friendly_pages(signup: SignupService) -> None:
    tokens = Tokens(signup.token_keys, confirm_max_age_s=86_400)
    fresh = tokens.confirm_token(ConfirmClaim(uuid4(), "campaign-id", "k" * 64))
    fernet = Fernet(signup.token_keys)
    days_31 = 31 * 86_400
    expired = fernet.encrypt_at_time(fernet.decrypt(fresh), int(time.time()) - days_31).decode()
    before = await offsets(signup, SignupConfirmed)
    with signup.client() as c:
        for method in ("GET", "POST"):
            bad = c.request(method, "/confirm/not-a-token", headers=EN)
            assert bad.status_code == 400
            assert "<h1>This link is not valid</h1>" in bad.text
            old = c.request(method, f"/confirm/{expired}", headers=EN)
            assert old.status_code == 410
            assert "<h1>This link has expired</h1>" in old.text
            unsubscribe = c.request(method, "/unsubscribe/not-a-token")
            assert unsubscribe.status_code == 400
            assert "<h1>Ce lien n'est pas valide</h1>" in unescape(unsubscribe.text)
    assert await offsets(signup, SignupConfirmed) == before


async def test_one_click_unsubscribe(signup: SignupService) -> None:
    campaign, signed = await signed_on_its_page(signup)
    with signup.client() as c:
        url = f"/unsubscribe/{signup.links(signed).unsubscribe_token}"
        page = c.get(url, headers=EN)
        assert page.status_code == 200
        assert "You will no longer receive this campaign's emails." in unescape(page.text)
        # What a mail client sends (RFC 8058), then what the page's button sends.
        one_click = c.post(url, data={"List-Unsubscribe": "One-Click"})
        assert one_click.status_code == 200
        assert "désabonné" in one_click.text
        assert c.post(url, headers=EN).status_code == 200

    by_mail_client, by_button = await events(signup, SupporterUnsubscribed, 2)
    assert by_mail_client.email == "Awa.Diop@example.org"
    assert by_mail_client.campaign_id == campaign["id"]
    assert by_mail_client.source == "one_click"
    assert by_button.source == "link"


async def test_names_are_escaped_in_pages(signup: SignupService) -> None:
    campaign = signup.create_campaign(
        title={"fr": "<script>x</script>", "en": "Fine"},
        description={"fr": '<img src=x onerror="alert(1)">', "en": ""},
    )
    with signup.client() as c:
        html = c.get(f"/c/{campaign['slug']}").text
        thanks = c.get(f"/c/{campaign['slug']}/thanks?status=accepted").text
    assert "<h1>&lt;script&gt;x&lt;/script&gt;</h1>" in html
    assert "<script>x" not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    assert "&lt;script&gt;x&lt;/script&gt;" in thanks


async def test_the_charter_is_in_both_languages(signup: SignupService) -> None:
    with signup.client() as c:
        french = c.get("/privacy")
        english = c.get("/privacy?lang=en", headers={"Accept-Language": "fr"})
        paths = c.get("/openapi.json").json()["paths"]
    assert french.status_code == english.status_code == 200
    assert "<h1>Charte de protection des données</h1>" in french.text
    assert "7 jours" in french.text
    assert "<h1>Data-protection charter</h1>" in english.text
    assert "7 days" in english.text
    # The OpenAPI documents the JSON API, not the pages.
    assert not PAGES & paths.keys()


PAGES = {
    "/c/{slug}",
    "/c/{slug}/thanks",
    "/c/{slug}/progress",
    "/confirm/{token}",
    "/unsubscribe/{token}",
    "/privacy",
}


async def test_the_progress_bar_shows_the_counter_s_totals(
    shared_settings: SharedSettings, unique: str
) -> None:
    totals: dict[str, dict[str, Any]] = {}
    with (
        counter_totals(totals) as counter_url,
        signup_api(shared_settings, f"signup_{unique}", SIGNUP_COUNTER_URL=counter_url) as signup,
    ):
        campaign = signup.create_campaign()
        slug = campaign["slug"]
        totals[slug] = totals_of(slug, goal=50_000, signed=12_345)
        with signup.client() as c:
            page = c.get(f"/c/{slug}").text
            progress = c.get(f"/c/{slug}/progress")
        bar = re.search(r'<progress id="progress-bar"[^>]*>', page)
        assert bar is not None, page
        assert 'max="50000"' in bar.group()
        assert 'value="12345"' in bar.group()
        assert "12\u202f345 signatures sur un objectif de 50\u202f000" in page
        assert f'data-url="/c/{slug}/progress">' in page  # shown: not hidden
        assert progress.status_code == 200
        assert progress.json() == {"signed": 12_345, "goal": 50_000, "percent": 24}


async def test_kafka_down_gives_try_again_pages_never_a_500(
    stack: StackConfig, tmp_path: Path, unique: str, database: ServiceDatabase
) -> None:
    # A broker of this test's own (own state and ports), so stopping it disturbs no other test.
    cfg = replace(stack, state=tmp_path, kafka_port=free_port(), kafka_controller_port=free_port())
    prefix = f"t{unique}."
    shared = shared_settings(stack, prefix, kafka=cfg.kafka_bootstrap)
    try:
        # devstack's readiness check runs its own event loop: keep it off this one.
        await asyncio.to_thread(up, cfg, ["kafka"])
        await ensure_topics(cfg.kafka_bootstrap, prefix=prefix)
        with signup_api(shared, database.db.name, SIGNUP_PUBLISH_TIMEOUT_S="1") as signup:
            campaign = signup.create_campaign()
            tokens = Tokens(signup.token_keys, confirm_max_age_s=86_400)
            confirm = tokens.confirm_token(ConfirmClaim(uuid4(), campaign["id"], "k" * 64))
            leave = tokens.unsubscribe_token(UnsubscribeClaim("awa@example.org", campaign["id"]))
            await asyncio.to_thread(down, cfg, ["kafka"])

            form = {**FORM, "consent_text_version": campaign["consent"]["version"]}
            async with httpx.AsyncClient(base_url=signup.url, timeout=30, headers=EN) as c:
                signed = await c.post(f"/c/{campaign['slug']}?lang=en", data=form)
                confirmed = await c.post(f"/confirm/{confirm}")
                unsubscribed = await c.post(f"/unsubscribe/{leave}")
            # Back up before the service stops: it would otherwise wait on what it still holds.
            await asyncio.to_thread(up, cfg, ["kafka"])
        for page in (signed, confirmed, unsubscribed):
            assert page.status_code == 503, page.text
            assert page.headers["retry-after"] == str(RETRY_AFTER_S)
            assert page.headers["content-type"].startswith("text/html")
            assert "The service is briefly unavailable" in page.text
        assert 'value="Awa.Diop@Example.ORG"' in signed.text  # nothing to type again
    finally:
        await asyncio.to_thread(down, cfg, ["kafka"])
