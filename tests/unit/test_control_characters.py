"""Control characters in request text, found before anything parses it: every escape or raw byte
that decodes to one, and nothing that only looks like one."""

from __future__ import annotations

import json

import pytest

from mobilise_runtime import control_characters

REFUSED = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x80", "\x9f"]
ALLOWED = ["", "Awa Diop", "tab\there", "line\nfeed", "cr\rlf", "é ü ß", "\u00a0", "\\u0000"]


@pytest.mark.parametrize("char", REFUSED)
def test_a_control_character_is_found_however_json_writes_it(char: str) -> None:
    for ensure_ascii in (True, False):
        body = json.dumps({"name": f"a{char}b"}, ensure_ascii=ensure_ascii).encode()
        assert control_characters.in_json(body), body
        assert control_characters.where_in_json(body) == "body.name"
    assert control_characters.in_json(json.dumps({"a": {"b": [f"{char}"]}}).encode())
    assert control_characters.where_in_json(json.dumps({"a": {"b": ["x", char]}}).encode()) == (
        "body.a.b.1"
    )
    assert control_characters.in_text(char)


@pytest.mark.parametrize("text", ALLOWED)
def test_ordinary_text_and_escaped_backslashes_pass(text: str) -> None:
    for ensure_ascii in (True, False):
        body = json.dumps({"name": text, "list": [text]}, ensure_ascii=ensure_ascii).encode()
        assert not control_characters.in_json(body), body
    assert not control_characters.in_query(b"partner=asso-dakar&lang=fr&q=%C3%A9%20%0A")


def test_percent_encoded_controls_in_a_query() -> None:
    for query in (b"partner=a%00b", b"q=%1b", b"q=%7F", b"q=%C2%85", b"q=%c2%9f"):
        assert control_characters.in_query(query), query
