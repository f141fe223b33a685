"""The mailer's emails as SendGrid request bodies: valid for the v3 contract, in both languages,
with working links, batched at SendGrid's limit, safe with what organisers and supporters type."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.fernet import Fernet

from devstack.sendgrid_contract import MAX_SUBSTITUTIONS_BYTES, expand, validate
from mailer.presentation.i18n import Locale
from mailer.presentation.messages import (
    BodyTemplateError,
    Recipient,
    Sender,
    check_body_template,
    confirmation,
    newsletter,
    welcome,
)
from mobilise_events import LocalisedText

BASE = "https://signer.example.org"
SENDER = Sender("campagnes@mobilise.example", "mobilise", BASE, confirm_link_days=30)
TITLE = LocalisedText(fr="Femmes du numérique", en="Women in digital")
SUBJECT = LocalisedText(fr="Des nouvelles", en="News")
TEXT = LocalisedText(
    fr="Bonjour {{ first_name }},\n\nMerci !\nÀ bientôt.", en="Hello {{ first_name }},\n\nThanks!"
)


def _recipient(n: int = 0, locale: Locale = "fr", **changes: Any) -> Recipient:
    fields: dict[str, Any] = {
        "email": f"p{n}@example.org",
        "first_name": f"Awa{n}",
        "locale": locale,
        "supporter_key": f"key{n}",
        "unsubscribe_token": f"unsub{n}",
        "confirm_token": f"conf{n}",
        "campaign_id": "c1",
        "signup_id": f"s{n}",
    }
    return Recipient(**{**fields, **changes})


def _mailing(recipients: list[Recipient], **changes: Any) -> list[dict[str, Any]]:
    args: dict[str, Any] = {
        "sender": SENDER,
        "mailing_id": "m1",
        "campaign_title": TITLE,
        "subject": SUBJECT,
        "body_template": TEXT,
        "recipients": recipients,
    }
    return newsletter(**{**args, **changes})


def _parts(body: dict[str, Any]) -> tuple[str, str]:
    plain, html = body["content"]
    assert (plain["type"], html["type"]) == ("text/plain", "text/html")
    return plain["value"], html["value"]


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_confirmation_links_to_the_confirm_page_and_explains_it(locale: Locale) -> None:
    body = confirmation(sender=SENDER, campaign_title=TITLE, recipient=_recipient(7, locale))
    assert validate(body) == []
    (person,) = body["personalizations"]
    assert person["to"] == [{"email": "p7@example.org"}]
    assert getattr(TITLE, locale) in person["subject"]
    plain, html = _parts(body)
    for part in (plain, html):
        assert f"{BASE}/confirm/conf7" in part
        assert f"{BASE}/unsubscribe/unsub7" in part
        assert "Awa7" in part
        assert "30" in part  # when the link expires
    assert ("bouton" if locale == "fr" else "button") in plain
    assert person["headers"] == {
        "List-Unsubscribe": f"<{BASE}/unsubscribe/unsub7>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    assert person["custom_args"] == {
        "kind": "confirmation",
        "supporter_key": "key7",
        "campaign_id": "c1",
        "signup_id": "s7",
    }
    assert f'<html lang="{locale}" dir="ltr">' in html


def test_subjects_are_one_line_and_keep_french_no_break_spaces() -> None:
    title = LocalisedText(fr="Femmes\r\n du   numérique\u00a0!", en="x")
    body = confirmation(sender=SENDER, campaign_title=title, recipient=_recipient(1, "fr"))
    assert body["personalizations"][0]["subject"] == (
        "Confirmez votre inscription à «\u00a0Femmes du numérique\u00a0!\u00a0»"
    )
    [mail] = _mailing([_recipient(1)], subject=LocalisedText(fr="\tOù en sommes\u202f?\n", en="x"))
    assert mail["personalizations"][0]["subject"] == "Où en sommes\u202f?"


def test_confirmation_needs_a_confirm_token() -> None:
    with pytest.raises(ValueError, match="confirm token"):
        confirmation(sender=SENDER, campaign_title=TITLE, recipient=_recipient(confirm_token=None))


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_welcome_thanks_in_the_recipients_language(locale: Locale) -> None:
    body = welcome(sender=SENDER, campaign_title=TITLE, recipient=_recipient(3, locale))
    assert validate(body) == []
    plain, html = _parts(body)
    assert ("Merci" if locale == "fr" else "Thank you") in plain
    assert "/confirm/" not in plain + html
    assert f"{BASE}/unsubscribe/unsub3" in plain
    assert f'href="{BASE}/unsubscribe/unsub3"' in html
    assert body["personalizations"][0]["headers"]["List-Unsubscribe-Post"] == (
        "List-Unsubscribe=One-Click"
    )
    assert body["personalizations"][0]["custom_args"]["kind"] == "welcome"


def test_transactional_emails_escape_what_supporters_and_organisers_typed() -> None:
    title = LocalisedText(fr="<b>Égalité</b> & co", en="x")
    recipient = _recipient(first_name="<script>alert(1)</script>")
    body = confirmation(sender=SENDER, campaign_title=title, recipient=recipient)
    plain, html = _parts(body)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>" not in html
    assert "&lt;b&gt;Égalité&lt;/b&gt; &amp; co" in html
    assert "<script>alert(1)</script>" in plain  # text is text


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_each_newsletter_recipient_gets_their_name_and_their_own_unsubscribe_link(
    locale: Locale,
) -> None:
    (body,) = _mailing([_recipient(n, locale) for n in range(3)])
    assert validate(body) == []
    seen = expand(body)
    assert [s["to"] for s in seen] == [[f"p{n}@example.org"] for n in range(3)]
    for n, message in enumerate(seen):
        assert message["subject"] == getattr(SUBJECT, locale)
        assert f"Awa{n}," in message["text"]
        assert f"Awa{n}," in message["html"]
        link = f"{BASE}/unsubscribe/unsub{n}"
        assert link in message["text"]
        assert f'href="{link}"' in message["html"]
        assert message["headers"] == {
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        assert message["custom_args"] == {
            "mailing_id": "m1",
            "supporter_key": f"key{n}",
            "kind": "newsletter",
            "campaign_id": "c1",
        }
        assert "-first_name" not in message["text"] + message["html"]
        assert "-unsubscribe_url-" not in message["text"] + message["html"]
    assert getattr(TITLE, locale) in seen[0]["text"]  # why they receive it
    assert "<p>" in seen[0]["html"]
    assert "<br>" in seen[0]["html"]


def test_newsletter_groups_by_language_and_splits_at_1000() -> None:
    recipients = [_recipient(n, "fr" if n % 5 else "en") for n in range(2_500)]
    bodies = _mailing(recipients)
    opening = '<html lang="fr" dir="ltr">'
    batches = [(opening in _parts(b)[1], len(b["personalizations"])) for b in bodies]
    assert batches == [(True, 1000), (True, 1000), (False, 500)]
    for body in bodies:
        french = opening in _parts(body)[1]
        batch = {p["to"][0]["email"] for p in body["personalizations"]}
        assert batch <= {r.email for r in recipients if (r.locale == "fr") == french}
    assert all(validate(b) == [] for b in bodies)
    emails = [p["to"][0]["email"] for b in bodies for p in b["personalizations"]]
    assert sorted(emails) == sorted(r.email for r in recipients)


@pytest.mark.parametrize(("count", "expected"), [(999, [999]), (1000, [1000]), (1001, [1000, 1])])
def test_batches_at_the_boundary(count: int, expected: list[int]) -> None:
    bodies = _mailing([_recipient(n) for n in range(count)])
    assert [len(b["personalizations"]) for b in bodies] == expected


def test_smaller_batches_on_request() -> None:
    bodies = _mailing([_recipient(n) for n in range(7)], batch_size=3)
    assert [len(b["personalizations"]) for b in bodies] == [3, 3, 1]
    with pytest.raises(ValueError, match="batch_size"):
        _mailing([_recipient()], batch_size=1001)


def test_substitutions_stay_far_below_sendgrids_limit() -> None:
    # The longest values signup lets through: an 80-character name, a 254-character address
    # inside a real Fernet unsubscribe token.
    claim = json.dumps({"e": "a" * 242 + "@example.org", "c": "x" * 64}).encode()
    token = Fernet(Fernet.generate_key()).encrypt(claim).decode()
    recipient = _recipient(first_name="É" * 80, unsubscribe_token=token)
    (body,) = _mailing([recipient])
    subs = body["personalizations"][0]["substitutions"]
    size = sum(len(k.encode()) + len(v.encode()) for k, v in subs.items())
    assert size < MAX_SUBSTITUTIONS_BYTES / 4
    assert validate(body) == []


def test_organiser_text_and_first_names_are_escaped_in_html_only() -> None:
    text = LocalisedText(fr="<script>x()</script> & {{ first_name }}", en="x")
    recipient = _recipient(first_name='<img src=x onerror="y()">')
    (message,) = expand(_mailing([recipient], body_template=text)[0])
    assert "<script>" not in message["html"]
    assert "<img" not in message["html"]
    assert (
        "&lt;script&gt;x()&lt;/script&gt; &amp; &lt;img src=x onerror=&#34;y()&#34;&gt;"
        in (message["html"])
    )
    assert '<script>x()</script> & <img src=x onerror="y()">' in message["text"]


def test_a_name_holding_a_substitution_key_stays_a_name() -> None:
    recipient = _recipient(first_name="-unsubscribe_url-Léa-first_name_html-")
    (message,) = expand(_mailing([recipient])[0])
    assert "Léa," in message["text"]
    assert message["text"].count(f"{BASE}/unsubscribe/") == 1


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ first_name.__class__ }}",
        "{{ first_name | upper }}",
        "{{ last_name }}",
        "{% for i in range(10) %}x{% endfor %}",
        "{% set a = 1 %}",
        "{{ cycler }}",
        "{{ first_name",
    ],
)
def test_organiser_templates_may_use_only_first_name(source: str) -> None:
    with pytest.raises(BodyTemplateError):
        check_body_template(source)
    with pytest.raises(BodyTemplateError):
        _mailing([_recipient()], body_template=LocalisedText(fr=source, en=source))


def test_plain_text_and_first_name_are_accepted() -> None:
    check_body_template("Bonjour {{ first_name }}, {# note #} {% raw %}{{ x }}{% endraw %} !")
    check_body_template("No placeholder at all.\n\nTwo paragraphs.")


def test_links_base_must_be_a_plain_url() -> None:
    with pytest.raises(ValueError, match="plain URL"):
        Sender("a@b.io", "n", 'https://x.org/"><script>')
    sender = Sender("a@b.io", "n", "https://x.org/base/")
    assert sender.link("unsubscribe", "a/b+c") == "https://x.org/base/unsubscribe/a%2Fb%2Bc"


def test_an_arabic_recipient_gets_a_right_to_left_email_with_the_fallback_marked() -> None:
    french_only = LocalisedText.of({"fr": "Des nouvelles"}, "fr")
    text = LocalisedText.of({"fr": "Bonjour {{ first_name }},\n\nMerci !"}, "fr")
    [body] = _mailing([_recipient(1, "ar")], subject=french_only, body_template=text)
    plain, html = _parts(body)
    assert '<html lang="ar" dir="rtl">' in html
    assert body["personalizations"][0]["subject"] == "Des nouvelles"
    # The organiser wrote no Arabic: their French is marked as French, left to right.
    assert '<div lang="fr" dir="ltr"><p>Bonjour' in html
    assert "Merci !" in plain
    assert "لإيقاف تلقي رسائلنا:" in plain  # the footer, in Arabic


def test_confirmation_is_worded_in_romanian() -> None:
    body = confirmation(sender=SENDER, campaign_title=TITLE, recipient=_recipient(2, "ro"))
    # The title from before other languages: French its fallback.
    assert (
        body["personalizations"][0]["subject"] == "Confirmați înscrierea la „Femmes du numérique”"
    )
