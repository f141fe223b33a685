"""The organisers' sign-in email speaks every language of the catalogs, right to left in Arabic."""

from __future__ import annotations

import pytest

from mailer.application.sign_in_email import sign_in_body
from mailer.presentation.messages import Sender
from mobilise_runtime.locales import LOCALES, Locale

SENDER = Sender(email="no-reply@example.org", name="mobilise", links_base="https://m.example.org")
LINK = "https://console.example.org/sign-in/redeem?link=abc"


def _body(locale: Locale, name: str = "Awa") -> tuple[str, str, str]:
    body = sign_in_body(
        sender=SENDER, email="awa@example.org", name=name, link=LINK, minutes=15, locale=locale
    )
    text, html = (part["value"] for part in body["content"])
    return body["subject"], text, html


@pytest.mark.parametrize(
    ("locale", "subject", "direction"),
    [
        ("en", "Your sign-in link to the mobilise console", "ltr"),
        ("fr", "Votre lien de connexion à la console mobilise", "ltr"),
        ("ar", "رابط الدخول إلى لوحة mobilise", "rtl"),
        ("ro", "Linkul tău de conectare la consola mobilise", "ltr"),
    ],
)
def test_each_language_has_its_words_and_direction(
    locale: Locale, subject: str, direction: str
) -> None:
    got_subject, text, html = _body(locale)
    assert got_subject == subject
    assert f'<html lang="{locale}" dir="{direction}">' in html
    assert f'<a href="{LINK}">{LINK}</a>' in html
    assert "Awa" in text
    assert LINK in text
    assert "15" in text


def test_every_language_of_the_catalogs_is_covered() -> None:
    subjects = {_body(locale)[0] for locale in LOCALES}
    assert len(subjects) == len(LOCALES)


def test_the_name_is_escaped_in_the_html() -> None:
    _, text, html = _body("fr", name="<b>Awa</b>")
    assert "<b>Awa</b>" in text
    assert "&lt;b&gt;Awa&lt;/b&gt;" in html
    assert "<b>Awa" not in html
