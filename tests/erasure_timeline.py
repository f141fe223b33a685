"""One supporter's timeline around her erasure, for the tests of each erasure handler (signup's
projector, the mailer's consumer): a signup before it (T1), the erasure (ERASED_AT), a new
consent after it (T3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mobilise_events import ErasedSignup, SupporterErased

T1 = datetime(2026, 3, 1, 9, tzinfo=UTC)
ERASED_AT = T1 + timedelta(days=1)
T3 = ERASED_AT + timedelta(days=1)
EMAIL = "awa@example.org"


def erasure(*keys: str, email: str = EMAIL) -> SupporterErased:
    """Her erasure at ERASED_AT, naming her signups of campaign c-1 by `keys`."""
    signups = tuple(ErasedSignup(campaign_id="c-1", supporter_key=k) for k in keys)
    return SupporterErased(email=email, signups=signups, occurred_at=ERASED_AT)
