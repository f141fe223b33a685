"""The console in every language: its words are in the shared catalogs (so
tests/unit/test_catalogs.py checks them complete in every language), its pages are in the
language asked for (the switch, its cookie, Accept-Language), Arabic ones right to left, and an
organiser's text shown in another language than the page's is marked and isolated."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from console.entrypoints.web import create_app
from console.presentation.templating import environments
from console.settings import Settings
from mobilise_runtime.catalogs import CATALOGS_DIR, DOMAIN
from mobilise_runtime.locales import LOCALES

PACKAGE = Path(__file__).resolve().parents[2] / "services/console/src/console"


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(Settings(session_secret="a console session secret")))


def test_the_consoles_words_are_in_the_shared_template() -> None:
    found = extract_from_dir(
        PACKAGE,
        [("**.py", "python"), ("**/templates/**.html", "jinja2")],
        options_map={"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
    )
    words = {m[2] if isinstance(m[2], str) else m[2][0] for m in found}
    with (CATALOGS_DIR / f"{DOMAIN}.pot").open("rb") as pot:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(pot) if m.id}
    assert len(words) > 80
    assert words - template == set(), "run `make messages`, then translate"


@pytest.mark.parametrize(
    ("locale", "direction", "heading"),
    [
        ("fr", "ltr", "Connexion à la console"),
        ("en", "ltr", "Sign in to the console"),
        ("ar", "rtl", "تسجيل الدخول إلى لوحة التحكم"),
        ("ro", "ltr", "Conectați-vă la consolă"),
    ],
)
def test_the_sign_in_page_speaks_every_language(
    client: TestClient, locale: str, direction: str, heading: str
) -> None:
    page = client.get(f"/sign-in?lang={locale}")
    assert page.status_code == 200
    assert f'<html lang="{locale}" dir="{direction}">' in page.text
    assert f"<h1>{heading}</h1>" in page.text
    # The switch offers every other language, each named in itself.
    for other in LOCALES:
        if other != locale:
            assert f'href="?lang={other}" hreflang="{other}"' in page.text
    assert page.cookies.get("mobilise_console_lang") == locale


def test_the_language_comes_from_the_browser_then_sticks_once_chosen() -> None:
    client = TestClient(create_app(Settings(session_secret="a console session secret")))
    arabic = client.get("/sign-in", headers={"Accept-Language": "ar-MA,fr;q=0.8"})
    assert '<html lang="ar" dir="rtl">' in arabic.text
    client.get("/sign-in?lang=ro")
    romanian = client.get("/sign-in", headers={"Accept-Language": "ar-MA"})
    assert '<html lang="ro" dir="ltr">' in romanian.text


def _render(locale: str, template: str, **context: Any) -> str:
    base: dict[str, Any] = {
        "path": "/",
        "session": None,
        "csrf_token": "t",
        "banner": None,
        "languages": [],
    }
    return environments()[locale].get_template(template).render(**base, **context)  # type: ignore[index]


CAMPAIGN = {
    "slug": "egalite",
    "title": {"fr": "Égalité numérique."},
    "fallback_locale": "fr",
    "goal": 1000,
    "status": "open",
}


def test_a_fallback_title_is_marked_and_isolated_in_an_arabic_page() -> None:
    html = _render(
        "ar",
        "campaigns.html",
        rows=[{"campaign": CAMPAIGN, "totals": {"signed": 1234}}],
        public_url="http://signup",
    )
    assert '<span lang="fr" dir="ltr">Égalité numérique.</span>' in html
    assert "1,234" in html  # Latin digits, as the public pages write them
    newsletters = {"campaign": CAMPAIGN, "mailings": [], "values": {}, "errors": {}}
    page = _render("ar", "newsletters.html", preview=None, **newsletters)
    # Inside an Arabic sentence: a <bdi>, so that its full stop stays on its own side.
    assert '<bdi lang="fr" dir="ltr">Égalité numérique.</bdi>' in page
    # The page's own language is not marked.
    french = _render("fr", "newsletters.html", preview=None, **newsletters)
    assert "<bdi" not in french
    assert "Égalité numérique." in french
