"""The console's invalidation form ↔ the signup API's filter (pure): empty fields are left out,
a datetime-local value (no zone) is sent as UTC, the API's field paths land on the form's names."""

from __future__ import annotations

from console.presentation.invalidation_form import (
    criteria,
    field_errors,
    filter_body,
    filter_values,
)


def test_the_filter_sent_is_what_was_filled_in_with_times_in_utc() -> None:
    values = filter_values(
        {"email_domain": " bots.example ", "network": "", "signed_from": "2026-03-08T09:00"}
    )
    assert filter_body(values) == {
        "email_domain": "bots.example",
        "signed_from": "2026-03-08T09:00:00Z",
    }
    assert filter_body(filter_values({})) == {}  # the API says a criterion is needed


def test_the_apis_objections_land_on_the_forms_fields() -> None:
    assert field_errors({"filter.network": "too fine", "reason": "too short"}) == {
        "network": "too fine",
        "reason": "too short",
    }


def test_a_recorded_filter_is_listed_in_the_forms_order() -> None:
    recorded = {"signed_until": "2026-03-08T10:00:00Z", "email_domain": "bots.example"}
    assert criteria(recorded) == [
        ("email_domain", "bots.example"),
        ("signed_until", "2026-03-08T10:00:00Z"),
    ]
