"""The console's session and CSRF rules: a cookie the browser can neither read, forge, alter nor
keep past its end; a form post without its session's CSRF token does nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from console.domain.session import COOKIE, SessionCodec, csrf_valid
from console.entrypoints.web import create_app
from console.settings import Settings

NOW = datetime(2026, 11, 29, 4, 0, tzinfo=UTC)
SECRET = "a console session secret for tests"


def _codec() -> SessionCodec:
    return SessionCodec(SECRET)


def test_a_session_round_trips_and_hides_its_token() -> None:
    codec = _codec()
    session = codec.new(
        token="api-token-xyz", name="Awa", role="organiser", expires_at=NOW + timedelta(hours=1)
    )
    cookie = codec.encode(session)
    assert "api-token-xyz" not in cookie
    assert "Awa" not in cookie
    assert codec.decode(cookie, now=NOW) == session


def test_an_expired_session_is_none() -> None:
    codec = _codec()
    session = codec.new(token="t", name="Awa", role="organiser", expires_at=NOW)
    assert codec.decode(codec.encode(session), now=NOW) is None
    assert codec.decode(codec.encode(session), now=NOW - timedelta(seconds=1)) == session


def test_a_forged_or_altered_cookie_is_none() -> None:
    codec = _codec()
    session = codec.new(token="t", name="Awa", role="organiser", expires_at=NOW + timedelta(1))
    cookie = codec.encode(session)
    altered = cookie[:-6] + ("A" if cookie[-6] != "A" else "B") + cookie[-5:]
    assert codec.decode(altered, now=NOW) is None
    assert codec.decode("not a cookie", now=NOW) is None
    assert codec.decode("", now=NOW) is None
    # Signed with another secret: someone else's console, or a rotated secret.
    assert SessionCodec("another secret, long enough").decode(cookie, now=NOW) is None


def test_each_session_has_its_own_csrf_token() -> None:
    codec = _codec()
    one = codec.new(token="t", name="a", role="organiser", expires_at=NOW)
    two = codec.new(token="t", name="a", role="organiser", expires_at=NOW)
    assert one.csrf != two.csrf
    assert len(one.csrf) >= 24
    assert csrf_valid(one.csrf, one.csrf)
    assert not csrf_valid(one.csrf, two.csrf)
    assert not csrf_valid(one.csrf, None)
    assert not csrf_valid(one.csrf, "")
    assert not csrf_valid(None, "")


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="16 characters"):
        SessionCodec("short")


@pytest.fixture
def client() -> TestClient:
    # No service behind: a call that got through would be a 503 page, not a 403.
    settings = Settings(
        session_secret=SECRET,
        signup_api_url="http://127.0.0.1:9",
        counter_api_url="http://127.0.0.1:9",
        mailer_api_url="http://127.0.0.1:9",
    )
    return TestClient(create_app(settings), follow_redirects=False)


def _signed_in(client: TestClient) -> str:
    session = _codec().new(
        token="t", name="Awa", role="organiser", expires_at=datetime.now(UTC) + timedelta(hours=1)
    )
    client.cookies.set(COOKIE, _codec().encode(session))
    return session.csrf


def test_a_form_post_without_or_with_a_wrong_csrf_token_is_refused(client: TestClient) -> None:
    csrf = _signed_in(client)
    for data in (
        {},
        {"csrf_token": ""},
        {"csrf_token": csrf[:-1] + ("y" if csrf.endswith("x") else "x")},
    ):
        response = client.post("/campaigns/demo/close", data=data)
        assert response.status_code == 403, data
    # With its token, the post goes through to the signup service (absent here: 503).
    assert client.post("/campaigns/demo/close", data={"csrf_token": csrf}).status_code == 503


def test_the_sign_in_forms_need_their_pre_session_token(client: TestClient) -> None:
    assert client.post("/sign-in", data={"email": "awa@example.org"}).status_code == 403
    page = client.get("/sign-in")
    pre = page.cookies.get("mobilise_console_csrf")
    assert pre
    assert f'value="{pre}"' in page.text
    data = {"email": "awa@example.org", "csrf_token": pre}
    assert client.post("/sign-in", data=data).status_code == 503


def test_no_session_leads_to_the_sign_in_page(client: TestClient) -> None:
    response = client.get("/campaigns")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in"
    client.cookies.set(COOKIE, "forged")
    assert client.get("/campaigns").headers["location"] == "/sign-in"


def test_the_session_cookie_is_httponly_samesite_lax_and_secure_over_https() -> None:
    for public_url, secure in (("http://127.0.0.1:8004", False), ("https://console.example", True)):
        settings = Settings(session_secret=SECRET, public_url=public_url)
        assert settings.secure_cookies is secure
