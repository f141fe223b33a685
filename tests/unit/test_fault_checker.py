"""The fault suite's checker counts what organisers are promised: a supporter once, as their first
accepted pledge says; confirmed only by an accepted confirmation under double opt-in; each place
and partner; one confirmation or welcome email each, a newsletter once each and not to who left."""

from __future__ import annotations

from typing import Any

import pytest

from tests.faults.checker import check_mails, check_newsletter, expected, owed_emails
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


def test_the_newsletter_check() -> None:
    once = [
        mail(AWA.email, "newsletter", mailing_id="m"),
        mail(JO.email, "newsletter", mailing_id="m"),
    ]
    check_newsletter(once, "m", unsubscribed="kim@example.org", seed=1)
    with pytest.raises(AssertionError, match="twice"):
        check_newsletter([*once, once[0]], "m", unsubscribed="kim@example.org", seed=1)
    with pytest.raises(AssertionError, match="unsubscribed"):
        check_newsletter(once, "m", unsubscribed=JO.email, seed=1)
    with pytest.raises(AssertionError, match="nobody"):
        check_newsletter(once, "another", unsubscribed=JO.email, seed=1)
