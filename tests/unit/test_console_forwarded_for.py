"""The console asks for sign-in links on its organisers' behalf, and the signup service limits them
per client network: the console passes on the X-Forwarded-For it received with its own peer
appended, as a proxy does, so that the signup service (trusting the console and the proxy in
front, SIGNUP_TRUSTED_PROXIES) finds each organiser's own address, never the proxy's nor one a
browser wrote itself."""

from __future__ import annotations

from starlette.requests import Request

from console.routes.sign_in import forwarded_for
from signup.domain.clients import client_address, parse_networks

CONSOLE, INGRESS = "10.244.1.20", "10.244.3.7"
TRUSTED = parse_networks("10.244.0.0/16")  # the pod network, as deploy/k8s sets it


def reaching_console(peer: str | None, *forwarded: str) -> Request:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/sign-in",
        "headers": headers,
        "client": (peer, 40000) if peer else None,
    }
    return Request(scope)


def seen_by_signup(request: Request) -> str:
    """The address the signup service counts the link against, the console being its peer."""
    return client_address(CONSOLE, forwarded_for(request).get("X-Forwarded-For"), TRUSTED)


def test_behind_the_ingress_each_organiser_is_counted_on_their_own_address() -> None:
    for organiser in ("198.51.100.7", "203.0.113.40"):
        request = reaching_console(INGRESS, organiser)
        assert forwarded_for(request) == {"X-Forwarded-For": f"{organiser}, {INGRESS}"}
        assert seen_by_signup(request) == organiser


def test_an_address_a_browser_writes_itself_is_not_taken() -> None:
    # Straight to the console: its peer is the browser.
    direct = reaching_console("198.51.100.8", "192.0.2.1")
    assert seen_by_signup(direct) == "198.51.100.8"
    # Through the ingress, which appends what it saw to what the browser wrote.
    proxied = reaching_console(INGRESS, "192.0.2.1, 198.51.100.8")
    assert seen_by_signup(proxied) == "198.51.100.8"


def test_every_header_line_is_kept_in_order() -> None:
    request = reaching_console(INGRESS, "192.0.2.1, 198.51.100.9", "203.0.113.5")
    assert forwarded_for(request) == {
        "X-Forwarded-For": f"192.0.2.1, 198.51.100.9, 203.0.113.5, {INGRESS}"
    }


def test_without_a_peer_nor_a_header_nothing_is_claimed() -> None:
    assert forwarded_for(reaching_console(None)) == {}
    assert forwarded_for(reaching_console(None, "198.51.100.7")) == {
        "X-Forwarded-For": "198.51.100.7"
    }
