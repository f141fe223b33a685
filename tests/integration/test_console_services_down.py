"""A service the console calls that is down is a banner naming it on the page, never a stack trace
or a bare error: the counter (never started here: the pages still show, totals unknown), then the
mailer and then the signup service, each stopped in turn."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from devstack.config import StackConfig
from devstack.harness.signup import ADMIN_TOKEN
from tests.console_stack import ConsoleStack, console_stack

pytestmark = pytest.mark.integration
PRE_SESSION = "mobilise_console_csrf"
BANNER = re.compile(r'<div class="banner" role="alert">\s*<div class="container">The (\w+) service')


@pytest.fixture
async def world(
    stack: StackConfig, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[ConsoleStack]:
    async with console_stack(stack, tmp_path_factory.mktemp("down")) as built:
        yield built


def banner(response: httpx.Response, service: str, status: int) -> None:
    where = f"{response.request.method} {response.request.url.path}"
    assert response.status_code == status, f"{where}: {response.status_code} {response.text[-800:]}"
    assert response.headers["content-type"].startswith("text/html"), where
    if status == 503:  # a page to retry: the browser is told when
        assert response.headers.get("Retry-After", "").isdigit(), where
    found = BANNER.search(response.text)
    assert found, f"{where}: no banner in {response.text[-1500:]}"
    assert found.group(1) == service, where
    assert "Traceback" not in response.text
    assert "Internal Server Error" not in response.text


async def signed_in(browser: httpx.AsyncClient) -> str:
    """Signs in with the admin token; the session's CSRF token."""
    await browser.get("/sign-in?lang=en")
    data = {"token": ADMIN_TOKEN, "csrf_token": browser.cookies.get(PRE_SESSION)}
    assert (await browser.post("/sign-in/token", data=data)).status_code == 303
    page = await browser.get("/campaigns")
    return page.text.split('name="csrf_token" value="')[1].split('"')[0]


async def test_each_service_down_is_a_banner(world: ConsoleStack) -> None:
    slug = world.signup.create_campaign()["slug"]
    awa = world.new_organiser("Awa")
    with world.admin() as admin:
        partner = {"name": "Relais", "campaigns": [slug], "origins": ["https://relais.example"]}
        assert admin.post("/api/v1/partners", json=partner).status_code == 201
    async with httpx.AsyncClient(base_url=world.console, timeout=30) as browser:
        csrf = await signed_in(browser)
        # The counter never ran: the pages show, under its banner, its numbers unknown.
        banner(await browser.get("/campaigns"), "counter", 200)
        banner(await browser.get("/partners"), "counter", 200)
        invalidations = await browser.get(f"/campaigns/{slug}/invalidations")
        banner(invalidations, "counter", 200)
        assert '<span class="total" data-total>?</span>' in invalidations.text

        world.processes["mailer-api"].stop()
        banner(await browser.get(f"/campaigns/{slug}/newsletters"), "mailer", 503)
        texts = {"csrf_token": csrf, "subject.fr": "Merci", "subject.en": "Thanks"}
        for step, form in (("preview", texts), ("send", {**texts, "idempotency_key": "k"})):
            posted = await browser.post(f"/campaigns/{slug}/newsletters/{step}", data=form)
            banner(posted, "mailer", 503)
        # What the page's script fetches is refused as clearly.
        assert (await browser.get("/mailings/unknown/progress")).status_code == 503
        # The signup service runs, but cannot hand the sign-in email to the mailer.
        async with httpx.AsyncClient(base_url=world.console, timeout=30) as organiser:
            await organiser.get("/sign-in?lang=en")
            form = {"email": awa["email"], "csrf_token": organiser.cookies[PRE_SESSION]}
            asked = await organiser.post("/sign-in", data=form)
            banner(asked, "mailer", 503)
            assert "No sign-in link can be sent right now" in asked.text

        world.processes["signup-api"].stop()
        for path in (
            "/campaigns",
            "/partners",
            "/supporters",
            "/newsletters",
            f"/campaigns/{slug}/edit",
            f"/campaigns/{slug}/invalidations",
            f"/campaigns/{slug}/supporters.csv",
        ):
            banner(await browser.get(path), "signup", 503)
        for path, form in (
            ("/invalidations/dry-run", {"email_domain": "bots.example"}),
            ("/invalidations", {"email_domain": "bots.example", "reason": "a list"}),
            ("/close", {}),
        ):
            posted = await browser.post(
                f"/campaigns/{slug}{path}", data={**form, "csrf_token": csrf}
            )
            banner(posted, "signup", 503)
    # Signing in needs the signup service too.
    async with httpx.AsyncClient(base_url=world.console, timeout=30) as stranger:
        await stranger.get("/sign-in?lang=en")
        pre = stranger.cookies.get(PRE_SESSION)
        for path, form in (
            ("/sign-in", {"email": "awa@example.org"}),
            ("/sign-in/token", {"token": "t"}),
        ):
            banner(await stranger.post(path, data={**form, "csrf_token": pre}), "signup", 503)
