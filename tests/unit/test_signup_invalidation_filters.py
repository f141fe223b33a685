"""Which supporter records an invalidation filter matches, and which filters are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from signup.domain.clients import kept_network
from signup.schemas.invalidations import FilterIn

AT = datetime(2026, 3, 8, 9, 30, tzinfo=UTC)
RECORD: dict[str, Any] = {
    "email_canonical": "awa@bots.example",
    "client_networks": ["203.0.113.0/24", "2001:db8:1::/48"],
    "consents": [{"partner": None}, {"partner": "relais"}],
    "partner": None,
    "signed_at": AT,
}


def matches(record: dict[str, Any] = RECORD, **criteria: Any) -> bool:
    return FilterIn.model_validate(criteria).to_filter().matches(record)


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ({"email_domain": "BOTS.example"}, True),
        ({"email_domain": "sub.bots.example"}, False),
        ({"network": "203.0.113.0/24"}, True),
        ({"network": "203.0.0.0/16"}, True),
        ({"network": "198.51.100.0/24"}, False),
        ({"network": "2001:db8::/32"}, True),
        ({"network": "::/0"}, True),
        ({"partner": "relais"}, True),  # one of the signups came through it
        ({"partner": "autre"}, False),
        ({"signed_from": AT.isoformat()}, True),
        ({"signed_until": AT.isoformat()}, False),  # [from, until)
        (
            {
                "signed_from": (AT - timedelta(minutes=1)).isoformat(),
                "signed_until": (AT + timedelta(minutes=1)).isoformat(),
            },
            True,
        ),
        ({"email_domain": "bots.example", "partner": "autre"}, False),  # every criterion holds
    ],
)
def test_a_filter_matches_records_by_each_criterion(
    criteria: dict[str, Any], expected: bool
) -> None:
    assert matches(**criteria) is expected


def test_a_record_without_networks_or_a_naive_time_is_read_safely() -> None:
    record = {**RECORD, "client_networks": [], "signed_at": AT.replace(tzinfo=None)}
    assert not matches(record, network="203.0.113.0/24")
    assert matches(record, signed_from=AT.isoformat())


@pytest.mark.parametrize(
    "criteria",
    [
        {},
        {"network": "203.0.113.7/32"},
        {"network": "203.0.113.0/25"},
        {"network": "2001:db8:1:2::/64"},
        {"network": "nowhere"},
        {"email_domain": "no spaces.example"},
        {"email_domain": "example"},
        {"signed_from": AT.isoformat(), "signed_until": AT.isoformat()},
        {"signed_from": "2026-03-08T09:30:00"},
        {"ip": "203.0.113.7"},
    ],
)
def test_a_filter_that_cannot_be_answered_is_invalid(criteria: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        FilterIn.model_validate(criteria)


@pytest.mark.parametrize(
    ("address", "kept"),
    [
        ("203.0.113.7", "203.0.113.0/24"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1::/48"),
        ("::ffff:203.0.113.7", "203.0.113.0/24"),
        ("unknown", None),
    ],
)
def test_a_signup_keeps_a_24_or_a_48_never_the_address(address: str, kept: str | None) -> None:
    assert kept_network(address) == kept
