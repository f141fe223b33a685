"""The stand-in's SendGrid v3 mail-send contract: what it refuses, with SendGrid's field names."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from devstack.sendgrid_contract import expand, validate


def _body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "from": {"email": "campagnes@mobilise.example", "name": "mobilise"},
        "personalizations": [{"to": [{"email": "awa@example.org"}], "subject": "Bonjour"}],
        "content": [
            {"type": "text/plain", "value": "Bonjour"},
            {"type": "text/html", "value": "<p>Bonjour</p>"},
        ],
    }
    body.update(copy.deepcopy(changes))
    return body


def test_a_complete_body_passes() -> None:
    assert validate(_body()) == []
    assert validate(_body(content=None, template_id="d-123")) == []
    top_level_subject = _body(subject="top", personalizations=[{"to": [{"email": "a@b.io"}]}])
    assert validate(top_level_subject) == []


def _people(n: int, per: int = 1) -> list[dict[str, Any]]:
    return [
        {"to": [{"email": f"p{i}.{j}@example.org"} for j in range(per)], "subject": "s"}
        for i in range(n)
    ]


REFUSED = {
    "no from": (_body(**{"from": None}), "from"),
    "from without email": (_body(**{"from": {"name": "x"}}), "from"),
    "invalid from email": (_body(**{"from": {"email": "not an address"}}), "from.email"),
    "no personalizations": (_body(personalizations=[]), "personalizations"),
    "personalizations missing": (_body(personalizations=None), "personalizations"),
    "1001 personalizations": (_body(personalizations=_people(1001)), "personalizations"),
    "1001 recipients": (_body(personalizations=_people(7, per=143)), "personalizations"),
    "a personalization without to": (
        _body(personalizations=[{"subject": "s"}]),
        "personalizations.0.to",
    ),
    "invalid recipient": (
        _body(personalizations=[{"to": [{"email": "awa@"}], "subject": "s"}]),
        "personalizations.0.to.0.email",
    ),
    "invalid cc": (
        _body(personalizations=[{"to": [{"email": "a@b.io"}], "cc": [{}], "subject": "s"}]),
        "personalizations.0.cc.0.email",
    ),
    "duplicate recipient": (
        _body(
            personalizations=[
                {"to": [{"email": "a@b.io"}], "bcc": [{"email": "A@b.io"}], "subject": "s"}
            ]
        ),
        "personalizations.0",
    ),
    "no subject anywhere": (
        _body(personalizations=[{"to": [{"email": "a@b.io"}]}]),
        "subject",
    ),
    "a personalization without subject": (
        _body(personalizations=[*_people(1), {"to": [{"email": "c@d.io"}]}]),
        "subject",
    ),
    "no content and no template": (_body(content=[]), "content"),
    "html before text": (
        _body(
            content=[
                {"type": "text/html", "value": "<p>x</p>"},
                {"type": "text/plain", "value": "x"},
            ]
        ),
        "content",
    ),
    "empty content value": (
        _body(content=[{"type": "text/plain", "value": ""}]),
        "content.0.value",
    ),
    "reserved header": (_body(headers={"Reply-To": "x@y.io"}), "headers.Reply-To"),
    "reserved header in a personalization": (
        _body(personalizations=[{**_people(1)[0], "headers": {"x-sg-id": "1"}}]),
        "personalizations.0.headers.x-sg-id",
    ),
    "header value not a string": (_body(headers={"X-Count": 1}), "headers.X-Count"),
    "custom_args value not a string": (
        _body(personalizations=[{**_people(1)[0], "custom_args": {"mailing_id": 7}}]),
        "personalizations.0.custom_args.mailing_id",
    ),
    "top-level custom_args not strings": (
        _body(custom_args={"ok": True}),
        "custom_args.ok",
    ),
    "substitutions over 10,000 bytes": (
        _body(personalizations=[{**_people(1)[0], "substitutions": {"-x-": "y" * 10_000}}]),
        "personalizations.0.substitutions",
    ),
    "not an object": ([], None),
}


@pytest.mark.parametrize(("body", "field"), REFUSED.values(), ids=REFUSED.keys())
def test_refused_with_the_field_named(body: Any, field: str | None) -> None:
    errors = validate(body)
    assert field in [e.field for e in errors], errors
    assert all(e.message for e in errors)
    assert set(errors[0].as_json()) == {"message", "field", "help"}


def test_exactly_1000_personalizations_and_recipients_pass() -> None:
    assert validate(_body(personalizations=_people(1000))) == []
    assert validate(_body(personalizations=_people(10, per=100))) == []


def test_expand_applies_each_personalizations_substitutions_and_merges_headers() -> None:
    body = _body(
        headers={"X-Campaign": "c1"},
        custom_args={"kind": "newsletter"},
        content=[
            {"type": "text/plain", "value": "Hi -name-"},
            {"type": "text/html", "value": "<p>Hi -name-</p>"},
        ],
        personalizations=[
            {
                "to": [{"email": f"{name}@example.org"}],
                "subject": "For -name-",
                "substitutions": {"-name-": name},
                "headers": {"List-Unsubscribe": f"<https://x/{name}>"},
                "custom_args": {"supporter_key": name},
            }
            for name in ("awa", "lea")
        ],
    )
    awa, lea = expand(body)
    assert awa["to"] == ["awa@example.org"]
    assert (awa["subject"], awa["text"], awa["html"]) == ("For awa", "Hi awa", "<p>Hi awa</p>")
    assert lea["text"] == "Hi lea"
    assert lea["headers"] == {"X-Campaign": "c1", "List-Unsubscribe": "<https://x/lea>"}
    assert lea["custom_args"] == {"kind": "newsletter", "supporter_key": "lea"}
