"""Asking for console sign-in links is rate limited (the signup service's Redis token buckets):
per email address and per client network, whether or not the address is an organiser's. The API
answers 429 with a JSON `detail` and Retry-After, and mails nothing; the console, which passes its
browser's address on in X-Forwarded-For, shows the refusal next to the email field."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.console_stack import ConsoleStack

pytestmark = pytest.mark.integration
PER_ADDRESS, PER_NETWORK = 5, 30  # SIGNUP_SIGN_IN_LINKS_PER_ADDRESS, _PER_NETWORK defaults


def nobody() -> str:
    return f"nobody-{uuid.uuid4().hex[:10]}@example.org"


def ask(console_world: ConsoleStack, email: str, client: str) -> httpx.Response:
    return httpx.post(
        f"{console_world.signup.url}/api/v1/sign-in-links",
        json={"email": email, "locale": "en"},
        headers={"X-Forwarded-For": client},
        timeout=15,
    )


def refused(response: httpx.Response) -> int:
    assert response.status_code == 429, response.text
    assert "too many sign-in links" in response.json()["detail"]
    retry_after = int(response.headers["Retry-After"])
    assert 0 < retry_after <= 3600
    return retry_after


async def test_one_address_gets_a_few_links_an_hour(console_world: ConsoleStack) -> None:
    awa = console_world.new_organiser("Awa")
    for n in range(PER_ADDRESS):
        # From a new network each time: the address's own limit.
        assert ask(console_world, awa["email"], f"198.51.100.{n + 1}").status_code == 202
    refused(ask(console_world, awa["email"], "198.51.100.200"))
    # An address that is no organiser's is limited the same way: the answer tells nothing.
    stranger = nobody()
    for n in range(PER_ADDRESS):
        assert ask(console_world, stranger, f"198.51.101.{n + 1}").status_code == 202
    refused(ask(console_world, stranger, "198.51.101.200"))
    # Others are not affected.
    assert (
        ask(
            console_world, console_world.new_organiser("Binta")["email"], "198.51.100.1"
        ).status_code
        == 202
    )


async def test_one_network_asks_for_a_limited_number_of_addresses(
    console_world: ConsoleStack,
) -> None:
    for _ in range(PER_NETWORK):
        assert ask(console_world, nobody(), "203.0.113.7").status_code == 202
    # The same /32 (IPv4 limits count on the address), any email.
    refused(ask(console_world, nobody(), "203.0.113.7"))
    assert ask(console_world, nobody(), "203.0.113.8").status_code == 202


def _console(console_world: ConsoleStack, client: str) -> httpx.Client:
    # The console passes X-Forwarded-For on with its peer (loopback) appended, and the signup
    # service trusts loopback, as it would the console and the reverse proxy in front of it.
    return httpx.Client(
        base_url=console_world.console, headers={"X-Forwarded-For": client}, timeout=30
    )


def _ask_in_console(browser: httpx.Client, email: str) -> httpx.Response:
    browser.get("/sign-in?lang=en")
    csrf = browser.cookies.get("mobilise_console_csrf")
    return browser.post("/sign-in", data={"email": email, "csrf_token": csrf})


async def test_the_console_shows_the_limit_next_to_the_email(console_world: ConsoleStack) -> None:
    with _console(console_world, "192.0.2.10") as browser:
        for _ in range(PER_NETWORK):
            assert _ask_in_console(browser, nobody()).status_code == 200
        page = _ask_in_console(browser, nobody())
    assert page.status_code == 429, page.text
    assert 0 < int(page.headers["Retry-After"]) <= 3600
    assert 'aria-describedby="email-error"' in page.text
    assert "Too many sign-in links were asked for this address or from your network" in page.text
    assert "Traceback" not in page.text
    # The console passed its browser's address on: another browser is not refused.
    with _console(console_world, "192.0.2.77") as other:
        assert _ask_in_console(other, nobody()).status_code == 200
