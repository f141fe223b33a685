"""The console's gettext catalogs: every string of its templates and code is in them (Babel's own
extraction), French translates each one with the same placeholders, and pages render in both."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from console.main import create_app
from console.settings import Settings

PACKAGE = Path(__file__).resolve().parents[2] / "services/console/src/console"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _catalog(locale: str) -> dict[str, str]:
    with (PACKAGE / "locales" / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return {str(m.id): str(m.string) for m in read_po(po) if m.id and not m.fuzzy}


def _extracted() -> set[str]:
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    options = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    found = extract_from_dir(PACKAGE, method_map, options_map=options)
    return {m[2] if isinstance(m[2], str) else m[2][0] for m in found}


def test_every_string_is_in_both_catalogs_and_translated_in_french() -> None:
    extracted = _extracted()
    assert len(extracted) > 50
    french, english = _catalog("fr"), _catalog("en")
    assert extracted - set(french) == set(), "run pybabel extract/update (services/console)"
    assert extracted - set(english) == set()
    for source, translated in french.items():
        assert translated, f"untranslated in French: {source!r}"
        assert set(PLACEHOLDER.findall(translated)) == set(PLACEHOLDER.findall(source)), source


def test_the_sign_in_page_speaks_both_languages() -> None:
    client = TestClient(create_app(Settings(session_secret="a console session secret")))
    french = client.get("/sign-in?lang=fr")
    english = client.get("/sign-in?lang=en")
    assert '<html lang="fr">' in french.text
    assert "Connexion à la console" in french.text
    assert "Sign in to the console" in english.text
