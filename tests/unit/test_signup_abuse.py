"""The signup service's abuse rules without I/O: which client a request comes from, the proof of
work's challenges, the campaign's limits as organisers write them, the form's honeypot and what
the form says when a limit refuses it."""

from __future__ import annotations

import hashlib
import itertools

import pytest
from pydantic import ValidationError

from signup.domain.clients import client_address, limited_network, parse_networks
from signup.domain.errors import ProofRequired, TooManyRequests
from signup.domain.limits import DEFAULT_ADDRESS, Bucket, Limits
from signup.domain.proof import ProofOfWork, leading_zero_bits
from signup.presentation.forms import GENERAL, Submitted, refusal_messages, signup_from_form
from signup.presentation.i18n import wording
from signup.schemas.campaigns import BucketIn, LimitsIn
from signup.settings import Settings

LOOPBACK = parse_networks("127.0.0.1/32,::1/128")
PROXIES = parse_networks("10.0.0.0/8")


# Client address ---------------------------------------------------------------------------------


def test_forwarded_for_is_ignored_from_a_peer_we_do_not_trust() -> None:
    assert client_address("203.0.113.7", "198.51.100.1", LOOPBACK) == "203.0.113.7"
    assert client_address("203.0.113.7", "198.51.100.1", ()) == "203.0.113.7"


def test_a_trusted_proxy_names_the_client_right_to_left() -> None:
    # The client wrote "1.2.3.4" itself; our proxies appended what they saw, right-most last.
    assert client_address("10.0.0.2", "1.2.3.4, 198.51.100.9, 10.0.0.1", PROXIES) == (
        "198.51.100.9"
    )
    assert client_address("127.0.0.1", "198.51.100.9", LOOPBACK) == "198.51.100.9"
    assert client_address("127.0.0.1", None, LOOPBACK) == "127.0.0.1"


def test_garbage_beyond_the_proxy_leaves_the_proxy_as_the_client() -> None:
    assert client_address("10.0.0.2", "198.51.100.9, not-an-ip", PROXIES) == "10.0.0.2"


def test_ipv6_clients_are_limited_per_64_and_mapped_ipv4_as_ipv4() -> None:
    assert limited_network("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert limited_network("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert limited_network("::ffff:198.51.100.9") == "198.51.100.9"
    assert limited_network("198.51.100.9") == "198.51.100.9"


def test_trusted_proxies_are_checked_when_the_service_starts() -> None:
    with pytest.raises(ValidationError, match="not an address or a CIDR"):
        Settings(token_keys="k", supporter_key_secret="s", trusted_proxies="10.0.0.0/8,nope")
    settings = Settings(token_keys="k", supporter_key_secret="s")
    assert settings.trusted_networks == ()  # production default: nobody's X-Forwarded-For


# Proof of work ----------------------------------------------------------------------------------


def solve(token: str, bits: int) -> str:
    for nonce in itertools.count():
        proof = f"{token}:{nonce:x}"
        if leading_zero_bits(hashlib.sha256(proof.encode()).digest()) >= bits:
            return proof
    raise AssertionError("unreachable")


POW = ProofOfWork(b"k" * 32, bits=8, ttl_s=300)
NOW = 1_800_000_000.0


def test_a_solved_challenge_verifies_for_its_campaign_until_it_expires() -> None:
    challenge = POW.challenge("campaign-a", now=NOW)
    assert challenge.bits == 8
    proof = solve(challenge.token, 8)
    assert POW.verify("campaign-a", proof, now=NOW + 299) == challenge.token
    assert POW.verify("campaign-b", proof, now=NOW) is None
    assert POW.verify("campaign-a", proof, now=NOW + 301) is None
    # Another server's key does not know it.
    assert ProofOfWork(b"x" * 32, bits=8, ttl_s=300).verify("campaign-a", proof, now=NOW) is None


def test_unsolved_tampered_or_garbage_proofs_do_not_verify() -> None:
    challenge = POW.challenge("c", now=NOW)
    proof = solve(challenge.token, 8)
    token = proof.rsplit(":", 1)[0]
    unsolved = next(
        f"{token}:{n}"
        for n in itertools.count()
        if leading_zero_bits(hashlib.sha256(f"{token}:{n}".encode()).digest()) < 8
    )
    assert POW.verify("c", unsolved, now=NOW) is None
    expires, bits, rand, signature = token.split(".")
    easier = f"{expires}.1.{rand}.{signature}"  # fewer bits: the signature no longer matches
    assert POW.verify("c", solve(easier, 1), now=NOW) is None
    later = f"{int(expires) + 3600}.{bits}.{rand}.{signature}"
    assert POW.verify("c", solve(later, 8), now=NOW) is None
    for garbage in ("", ":", "a.b.c:1", "é.1.é.é:1", f"{token}:", f"{token}:no-thing", "x" * 200):
        assert POW.verify("c", garbage, now=NOW) is None


def test_challenges_differ_so_each_is_spent_on_its_own() -> None:
    assert POW.challenge("c", now=NOW).token != POW.challenge("c", now=NOW).token


# Limits -----------------------------------------------------------------------------------------


def test_a_soft_threshold_sets_where_the_proof_of_work_begins() -> None:
    assert Bucket(soft=30, hard=600, per_hour=600).proof_floor == 570
    assert Bucket(hard=5, per_hour=10).proof_floor == -1  # never
    assert Bucket(soft=0, hard=5, per_hour=10).proof_floor == 5  # always
    assert Bucket(hard=3600, per_hour=3600).rate_per_ms == pytest.approx(0.001)


def test_limits_as_organisers_write_them() -> None:
    assert LimitsIn().limits() == Limits()
    given = LimitsIn.model_validate({"address": {"hard": 50, "per_hour": 100, "soft": 10}})
    assert given.limits().address == Bucket(soft=10, hard=50, per_hour=100)
    assert given.limits().supporter == Limits().supporter
    bad = [
        {"soft": 11, "hard": 10, "per_hour": 10},
        {"hard": 0, "per_hour": 10},
        {"hard": 10, "per_hour": 0},
        {"hard": 10, "per_hour": 10, "soft": -1},
        {"hard": 10, "per_hour": 10, "burst": 3},
    ]
    for bucket in bad:
        with pytest.raises(ValidationError):
            BucketIn.model_validate(bucket)


def test_limits_stored_and_read_back_and_defaults_for_older_campaigns() -> None:
    limits = Limits(address=Bucket(soft=1, hard=2, per_hour=3))
    assert Limits.from_dict(limits.to_dict()) == limits
    assert Limits.from_dict(None) == Limits()
    assert Limits().address == DEFAULT_ADDRESS


# The form ---------------------------------------------------------------------------------------

FORM = {
    "email": "awa@example.org",
    "first_name": "Awa",
    "country": "SN",
    "consent": "yes",
    "consent_text_version": "v1",
}


def test_the_forms_honeypot_reaches_the_intake() -> None:
    filled = Submitted.read([*FORM.items(), ("fax", "http://spam.example")])
    assert signup_from_form(filled, kind="pledge", locale="fr").fax == "http://spam.example"
    empty = Submitted.read([*FORM.items(), ("fax", "")])
    assert signup_from_form(empty, kind="pledge", locale="fr").fax is None


def test_the_form_says_what_to_do_when_a_limit_refuses_it() -> None:
    said = {
        "fr": "Réessayez dans 3 minutes environ.",
        "en": "Please try again in about 3 minutes.",
        "ar": "بعد 3 دقائق تقريبًا.",
        "ro": "Reîncercați în aproximativ 3 minute.",
    }
    for locale, end in said.items():
        language = wording(locale)  # type: ignore[arg-type]
        refused = refusal_messages(TooManyRequests("x", retry_after_s=125), language)
        assert refused[GENERAL].endswith(end)
        proof = refusal_messages(ProofRequired("x", challenge="c", bits=14), language)
        assert "JavaScript" in proof[GENERAL]
