"""The intake's fast path for plain addresses (signup.domain.emails) gives what email-validator
gives, or steps aside: for any input, parse_email answers exactly as email-validator alone did
(the same address, the same canonical form, or a refusal)."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.provisional import domains

from signup.domain.emails import Email, InvalidEmail, _plain, parse_email

# Near the fast path's edges: its own characters, and a few it leaves to email-validator.
LOCAL = st.text(alphabet="aZz09._+-!#%'\" é", max_size=70)
LABEL = st.text(alphabet="aZz09-é_", max_size=66)
TLD = st.sampled_from(
    [
        *["org", "COM", "x", "c0m", "123", "test", "local", "localhost", "onion", "arpa"],
        *["invalid", "xn--p1ai", "ab--cd", "example", "é", "", "a" * 64],
    ]
)
DOMAIN = st.builds(lambda labels, tld: ".".join([*labels, tld]), st.lists(LABEL, max_size=4), TLD)
ADDRESS = st.one_of(
    st.builds(lambda local, domain: f"{local}@{domain}", LOCAL, DOMAIN),
    st.builds(lambda local, domain: f"{local}@{domain}", LOCAL, domains()),
    st.builds(lambda pad, address, end: pad + address + end, st.sampled_from(["", " ", "\t"]),
              st.builds(lambda local, domain: f"{local}@{domain}", LOCAL, DOMAIN),
              st.sampled_from(["", " ", "\n"])),
    st.text(max_size=40),
)  # fmt: skip


def validator(raw: str) -> Email | None:
    """What email-validator alone says of `raw` (None: refused), in the form parse_email keeps."""
    try:
        valid = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError:
        return None
    canonical = f"{valid.local_part.lower()}@{valid.ascii_domain.lower()}"
    return Email(address=valid.normalized, canonical=canonical)


def parsed(raw: str) -> Email | None:
    try:
        return parse_email.__wrapped__(raw)
    except InvalidEmail:
        return None


# The fast path answers when it takes an address, so this also holds it to email-validator's.
@settings(max_examples=1000, deadline=None)
@given(ADDRESS)
@example("Awa.Diop@Example.ORG")
@example("a@b.co")
@example("x@ab--cd.org")
@example("x@foo.test")
@example(("a" * 64) + "@" + ".".join(["b" * 63] * 3) + ".org")
@example(("a" * 65) + "@example.org")
def test_parse_email_answers_as_email_validator_does(raw: str) -> None:
    assert parsed(raw) == validator(raw)


def test_the_fast_path_takes_the_common_addresses() -> None:
    for raw in ["awa.diop@example.org", "Awa.Diop+news@Mail.Example.SN", "k_m-1@a-b.fr"]:
        assert _plain(raw) == validator(raw) is not None
