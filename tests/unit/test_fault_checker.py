"""The fault suite's checker counts what organisers are promised: a supporter once, as their first
accepted pledge says; confirmed only by an accepted confirmation under double opt-in."""

from __future__ import annotations

from tests.faults.checker import expected
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
