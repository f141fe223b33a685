"""Partners' pure rules: the origins they may register, their keys, their embed snippets, the
frame-ancestors of their iframe; and the size of the widget they load."""

from __future__ import annotations

import re

import pytest
from pydantic import TypeAdapter, ValidationError

from signup.domain.partners import (
    Embed,
    InvalidOrigin,
    embed_snippets,
    new_partner_key,
    parse_origin,
    parse_origins,
)
from signup.presentation.rendering import STATIC_DIR
from signup.schemas.common import PartnerKey
from signup.schemas.partners import PartnerIn, PartnerPatch

# 16 KiB since the region list (a select filled from /api/v1/regions): about 5 KiB gzipped.
WIDGET_MAX_BYTES = 16 * 1024


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("https://asso.example", "https://asso.example"),
        ("https://www.asso-dakar.example", "https://www.asso-dakar.example"),
        ("HTTPS://Asso.Example", "https://asso.example"),
        ("https://asso.example:443", "https://asso.example"),  # browsers omit the default port
        ("https://asso.example:8443", "https://asso.example:8443"),
        ("https://xn--galit-bsa.example", "https://xn--galit-bsa.example"),
        ("https://203.0.113.7", "https://203.0.113.7"),
        ("http://localhost:8003", "http://localhost:8003"),
        ("http://127.0.0.1:8003", "http://127.0.0.1:8003"),
        ("http://127.0.0.1:80", "http://127.0.0.1"),
        ("http://[::1]:8003", "http://[::1]:8003"),
        ("  https://asso.example  ", "https://asso.example"),
    ],
)
def test_an_origin_is_kept_as_a_browser_sends_it(raw: str, canonical: str) -> None:
    assert parse_origin(raw) == canonical


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("asso.example", "not an origin"),
        ("https://", "not a host name"),
        ("https://asso.example/", "path"),
        ("https://asso.example/widget", "path"),
        ("https://asso.example?x=1", "path, query or fragment"),
        ("https://asso.example#top", "path, query or fragment"),
        ("https://*.asso.example", "wildcard"),
        ("*", "not an origin"),
        ("http://asso.example", "use https"),
        ("http://192.168.1.10:8003", "use https"),
        ("ftp://asso.example", "scheme must be https"),
        ("javascript://asso.example", "scheme must be https"),
        ("https://user@asso.example", "user name"),
        ("https://asso.example:0", "port"),
        ("https://asso.example:65536", "port"),
        ("https://asso.example:", "port"),
        ("https://asso.example:80a", "port"),
        ("https://égalité.example", "xn--"),
        ("https://asso_example.org", "not a host name"),
        ("https://-asso.example", "not a host name"),
        ("https://asso..example", "not a host name"),
        ("https://999.1.1.1", "not an IPv4 address"),
        ("https://[nope]", "not an IPv6 address"),
        ("null", "not an origin"),
    ],
)
def test_anything_else_is_refused_with_the_reason(raw: str, why: str) -> None:
    with pytest.raises(InvalidOrigin, match=re.escape(why)):
        parse_origin(raw)


def test_origins_are_listed_once_each_in_order() -> None:
    assert parse_origins(["https://b.example", "https://a.example", "HTTPS://B.example:443"]) == [
        "https://b.example",
        "https://a.example",
    ]


def test_the_api_models_use_the_same_rules() -> None:
    body = PartnerIn.model_validate(
        {"name": "Asso", "campaigns": ["c-one"], "origins": ["https://Asso.example:443"]}
    )
    assert body.origins == ["https://asso.example"]
    with pytest.raises(ValidationError, match="wildcard"):
        PartnerIn.model_validate(
            {"name": "Asso", "campaigns": ["c-one"], "origins": ["https://*.example"]}
        )
    with pytest.raises(ValidationError, match="listed more than once"):
        PartnerIn.model_validate(
            {
                "name": "A",
                "campaigns": ["c-one"],
                "origins": ["https://a.example", "https://A.example"],
            }
        )
    with pytest.raises(ValidationError, match="may not be null"):
        PartnerPatch.model_validate({"origins": None})
    with pytest.raises(ValidationError):
        PartnerPatch.model_validate({"origins": []})


def test_a_key_is_readable_public_and_unique() -> None:
    first = new_partner_key("Association Égalité à Dakar !")
    second = new_partner_key("Association Égalité à Dakar !")
    assert re.fullmatch(r"association-egalite-a-dakar-[0-9a-f]{6}", first), first
    assert first != second
    assert re.fullmatch(r"partner-[0-9a-f]{6}", new_partner_key("日本"))
    long = new_partner_key("x" * 200)
    assert len(long) <= 64
    for key in (first, long):
        TypeAdapter(PartnerKey).validate_python(key)


def test_the_snippets_escape_what_they_embed() -> None:
    snippets = embed_snippets(
        "https://signup.example/", key="asso-1", slug="femmes", title='Femmes <b>"du"</b> numérique'
    )
    assert 'src="https://signup.example/widget.js"' in snippets.script
    assert 'data-campaign="femmes" data-partner="asso-1"' in snippets.script
    # The link the script widget replaces: what shows without JavaScript or when CORS refuses.
    assert '<a href="https://signup.example/c/femmes">' in snippets.script
    assert "&lt;b&gt;" in snippets.script
    assert "<b>" not in snippets.script
    assert 'src="https://signup.example/embed/femmes?partner=asso-1"' in snippets.iframe
    assert 'title="Femmes &lt;b&gt;&quot;du&quot;&lt;/b&gt; numérique"' in snippets.iframe


def test_an_embed_may_be_framed_by_its_partners_origins_only() -> None:
    policy = Embed("asso-1", ("https://a.example", "http://localhost:8003")).headers()[
        "Content-Security-Policy"
    ]
    assert "frame-ancestors https://a.example http://localhost:8003" in policy
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in Embed("asso-1", ()).headers()["Content-Security-Policy"]


def test_the_widget_script_stays_small() -> None:
    size = (STATIC_DIR / "widget.js").stat().st_size
    assert size < WIDGET_MAX_BYTES, f"widget.js is {size} bytes"
