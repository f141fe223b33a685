"""The fault suite's checker counts what organisers are promised: a supporter once, as their first
accepted pledge says; confirmed only by an accepted confirmation under double opt-in; each place
and partner; one confirmation or welcome email each, a newsletter once each and not to who left."""

from __future__ import annotations

from typing import Any

import pytest

from tests.faults.checker import (
    check_mail_after_erasure,
    check_mails,
    check_newsletter,
    expected,
    owed_emails,
)
from tests.faults.load import Confirm, Pledge

AWA = Pledge("c", "awa@example.org", "SN", "SN-DK", True)
JO = Pledge("c", "jo@example.org", "FR", None, False)
ELSEWHERE = Pledge("other", "kim@example.org", "FR", None, False)


def test_a_repeat_counts_once_and_only_confirmations_confirm() -> None:
    totals = expected(
        [AWA, JO, AWA, ELSEWHERE],
        [Confirm("c", "awa@example.org", "t"), Confirm("c", "awa@example.org", "t")],
        "c",
        double_opt_in=True,
    )
    assert (totals["signed"], totals["confirmed"], totals["volunteers"]) == (2, 1, 0)
    assert totals["by_country"] == {
        "SN": {"signed": 1, "confirmed": 1, "volunteers": 0},
        "FR": {"signed": 1, "confirmed": 0, "volunteers": 0},
    }
    assert totals["by_region"] == {"SN-DK": {"signed": 1, "confirmed": 1, "volunteers": 0}}
    assert totals["by_macro_region"] == {
        "Africa": {"signed": 1, "confirmed": 1, "volunteers": 0},
        "Europe": {"signed": 1, "confirmed": 0, "volunteers": 0},
    }


def test_without_double_opt_in_a_signup_is_confirmed() -> None:
    totals = expected([JO], [], "c", double_opt_in=False)
    assert (totals["signed"], totals["confirmed"]) == (1, 1)


def test_partners_and_volunteers_are_counted_as_the_first_signup_says() -> None:
    first = Pledge("c", "ana@example.org", "CI", None, True, "abidjan-code", volunteer=True)
    again = Pledge("c", "ana@example.org", "CI", None, True, "dakar-numerique", volunteer=True)
    totals = expected([first, again, JO], [], "c", double_opt_in=False)
    assert totals["volunteers"] == 1
    assert totals["by_partner"] == {"abidjan-code": {"signed": 1, "confirmed": 1, "volunteers": 1}}


def mail(email: str, kind: str, **args: str) -> dict[str, Any]:
    return {"to": [email], "custom_args": {"kind": kind, "campaign_id": "id-c", **args}}


IDS = {"c": "id-c", "other": "id-o"}
DOUBLE = {"c": True, "other": False}


def test_every_accepted_supporter_is_owed_one_email_of_their_campaign_but_the_excused() -> None:
    owed = owed_emails([AWA, JO, AWA, ELSEWHERE], IDS, DOUBLE, {("c", JO.email)})
    assert owed == {
        ("id-c", AWA.email, "confirmation"),
        ("id-o", ELSEWHERE.email, "welcome"),
    }


@pytest.mark.parametrize(
    ("messages", "unsent", "wrong"),
    [
        ([mail(AWA.email, "confirmation")], set(), None),
        ([mail(AWA.email, "confirmation")] * 2, set(), "more than once"),
        ([], set(), "never sent"),
        ([], {("id-c", AWA.email, "confirmation")}, None),  # cut off mid-send, given up
        ([mail(AWA.email, "confirmation"), mail("x@example.org", "welcome")], set(), "no accepted"),
    ],
)
def test_the_mail_check(
    messages: list[dict[str, Any]], unsent: set[tuple[str, str, str]], wrong: str | None
) -> None:
    def check() -> None:
        check_mails(messages, [AWA], IDS, DOUBLE, excused=set(), unsent=unsent, seed=1)

    if wrong is None:
        check()
    else:
        with pytest.raises(AssertionError, match=wrong):
            check()


NEWS = {
    "required": {AWA.email},
    "audience": {AWA.email, JO.email, "erased@example.org"},
    "planned": {AWA.email, JO.email, "erased@example.org"},
    "given_up": set[str](),
    "erased": "erased@example.org",
    "unsubscribed": "kim@example.org",
    "seed": 1,
}


def news(*emails: str) -> list[dict[str, Any]]:
    return [mail(email, "newsletter", mailing_id="m") for email in emails]


@pytest.mark.parametrize(
    ("messages", "change", "wrong"),
    [
        (news(AWA.email, JO.email), {}, None),  # the erased one left out
        (news(AWA.email, JO.email, "erased@example.org"), {}, None),  # or mailed before
        (news(AWA.email, JO.email, AWA.email), {}, "twice"),
        (news(AWA.email), {}, "never sent"),
        # Its only batch cut off mid-send, given up as unknown by the mailer: nobody may get it.
        ([], {"given_up": NEWS["planned"]}, None),
        (news(AWA.email), {"given_up": {JO.email}}, None),
        # Given up or not, never twice.
        (news(AWA.email, AWA.email), {"given_up": NEWS["planned"]}, "twice"),
        (news(AWA.email, JO.email), {"planned": {JO.email}}, "not in the newsletter's plan"),
        (news(AWA.email, JO.email), {"audience": {AWA.email}}, "did not opt in"),
        (news(AWA.email, JO.email, "x@example.org"), {}, "outside its plan"),
        (news(AWA.email, JO.email), {"unsubscribed": JO.email}, "still mailed"),
        (news(AWA.email), {"unsubscribed": JO.email}, "still planned"),
    ],
)
def test_the_newsletter_check(
    messages: list[dict[str, Any]], change: dict[str, Any], wrong: str | None
) -> None:
    def check() -> None:
        check_newsletter(messages, "m", **{**NEWS, **change})

    if wrong is None:
        check()
    else:
        with pytest.raises(AssertionError, match=wrong):
            check()


def test_the_check_of_mail_after_an_erasure() -> None:
    """Allowed after the erasure's 202: what reached the stand-in before the mailer recorded it
    (at 100.0), or after it from a send turn taken before it; nothing decided later."""

    def at(received: float) -> dict[str, Any]:
        return {**mail(AWA.email, "welcome"), "received_at": received}

    def taken(at_s: float | None) -> Any:
        return lambda message: at_s

    check_mail_after_erasure([at(99.0)], AWA.email, 100.0, taken(98.0), seed=1)
    check_mail_after_erasure([at(100.2)], AWA.email, 100.0, taken(99.9), seed=1)
    check_mail_after_erasure([at(100.2)], JO.email, 100.0, taken(100.1), seed=1)
    with pytest.raises(AssertionError, match="erased"):
        check_mail_after_erasure([at(100.2)], AWA.email, 100.0, taken(100.1), seed=1)
    with pytest.raises(AssertionError, match="erased"):
        check_mail_after_erasure([at(100.2)], AWA.email, 100.0, taken(None), seed=1)
