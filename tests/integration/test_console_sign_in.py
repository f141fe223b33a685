"""Signing in to the console against the real services: the link mailed through the mailer (the
stand-in receives it), a session cookie that is HttpOnly and SameSite=Lax, a link that works
once, forged and expired links refused, signing out ending the session's API token, and an
organiser who sees only their own campaigns (under a banner: no counter runs here)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import httpx
import pytest
from cryptography.fernet import Fernet

from console.domain.session import SessionCodec
from tests.console_stack import CONSOLE_SECRET, ConsoleStack

pytestmark = pytest.mark.integration


def _browser(console_world: ConsoleStack) -> httpx.Client:
    return httpx.Client(base_url=console_world.console, timeout=30, follow_redirects=False)


def _csrf(browser: httpx.Client, path: str) -> str:
    page = browser.get(path)
    assert page.status_code == 200, page.text
    token = browser.cookies.get("mobilise_console_csrf")
    assert token
    return token


def _ask_link(console_world: ConsoleStack, browser: httpx.Client, email: str) -> str:
    before = set(console_world.sign_in_links(email))
    sent = browser.post("/sign-in", data={"email": email, "csrf_token": _csrf(browser, "/sign-in")})
    assert sent.status_code == 200, sent.text
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        fresh = [link for link in console_world.sign_in_links(email) if link not in before]
        if fresh:
            return fresh[0]
        time.sleep(0.2)
    raise AssertionError(f"no sign-in link mailed to {email}")


def _me(console_world: ConsoleStack, token: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.get(
        f"{console_world.signup.url}/api/v1/organisers/me", headers=headers, timeout=10
    )


def _redeem(browser: httpx.Client, link: str) -> httpx.Response:
    path = httpx.URL(link).path
    return browser.post(path, data={"csrf_token": _csrf(browser, path)})


async def test_an_organiser_signs_in_through_the_mailed_link_once(
    console_world: ConsoleStack,
) -> None:
    awa = console_world.new_organiser("Awa")
    with _browser(console_world) as browser:
        link = _ask_link(console_world, browser, awa["email"])
        assert link.startswith(f"{console_world.console}/sign-in/")
        signed_in = _redeem(browser, link)
        assert signed_in.status_code == 303, signed_in.text
        assert signed_in.headers["location"] == "/campaigns"
        cookie = next(
            h for h in signed_in.headers.get_list("set-cookie") if h.startswith("mobilise_console=")
        )
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie
        assert "Secure" not in cookie  # http here; https public URLs get Secure (unit test)
        page = browser.get("/campaigns")
        assert page.status_code == 200
        assert "Awa" in page.text
    with _browser(console_world) as other:
        replayed = _redeem(other, link)
        assert replayed.status_code == 409, replayed.text
        assert other.get("/campaigns").status_code == 303  # not signed in


async def test_forged_and_expired_links_are_refused(console_world: ConsoleStack) -> None:
    awa = console_world.new_organiser("Awa")
    key = Fernet(console_world.signup.token_keys.split(",")[0].encode())
    claims = json.dumps({"p": "sign-in", "o": awa["id"], "n": "nonce-1"}).encode()
    expired = key.encrypt_at_time(claims, int(time.time()) - 16 * 60).decode()
    forged = Fernet(Fernet.generate_key()).encrypt(claims).decode()
    # A confirm-link token is no sign-in link, however authentic.
    other_purpose = key.encrypt(json.dumps({"p": "confirm", "o": awa["id"]}).encode()).decode()
    for token, why in ((expired, "expired"), (forged, "not a sign-in"), (other_purpose, "not a")):
        with _browser(console_world) as browser:
            refused = _redeem(browser, f"{console_world.console}/sign-in/{token}")
            assert refused.status_code == 400, refused.text
            assert why in refused.text
            assert "mobilise_console=" not in refused.headers.get("set-cookie", "")


async def test_signing_out_ends_the_session_token_everywhere(console_world: ConsoleStack) -> None:
    awa = console_world.new_organiser("Awa")
    with _browser(console_world) as browser:
        assert _redeem(browser, _ask_link(console_world, browser, awa["email"])).status_code == 303
        session = SessionCodec(CONSOLE_SECRET).decode(
            browser.cookies.get("mobilise_console"), now=datetime.now(UTC)
        )
        assert session is not None
        page = browser.get("/campaigns")
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        assert browser.post("/sign-out", data={}).status_code == 403  # no CSRF token: nothing
        assert browser.get("/campaigns").status_code == 200
        out = browser.post("/sign-out", data={"csrf_token": csrf})
        assert out.status_code == 303
        assert out.headers["location"] == "/sign-in"
        assert browser.get("/campaigns").status_code == 303
    assert _me(console_world, session.token).status_code == 401


async def test_an_organiser_sees_only_their_own_campaigns(console_world: ConsoleStack) -> None:
    awa, binta = console_world.new_organiser("Awa"), console_world.new_organiser("Binta")
    campaign = console_world.signup.create_campaign()
    with console_world.admin() as admin:
        admin.patch(f"/api/v1/organisers/{awa['id']}", json={"campaigns": [campaign["slug"]]})
    pages = {}
    for organiser in (awa, binta):
        with _browser(console_world) as browser:
            data = {"token": organiser["token"], "csrf_token": _csrf(browser, "/sign-in")}
            assert browser.post("/sign-in/token", data=data).status_code == 303
            pages[organiser["name"]] = browser.get("/campaigns").text
    assert campaign["slug"] in pages["Awa"], pages["Awa"][-1500:]
    assert campaign["slug"] not in pages["Binta"]
    # No counter runs here: the list still shows, under a banner naming it, with no trace.
    assert 'class="banner" role="alert"' in pages["Awa"]
    assert "counter" in pages["Awa"].split('class="banner"')[1][:300]
    assert "Traceback" not in pages["Awa"]
