"""An anonymised campaign stays closed for good: signup-retention deleted its supporters' records
(and the mailer its recipients) behind the campaign's `anonymised_at` marker, and every owner
drops its signups from then on. Taking signups again would gather data no consumer keeps, under
totals that can no longer be checked against records; so no change may reopen it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

DATES = frozenset({"opens_at", "closes_at"})


def may_reopen(changes: Mapping[str, Any]) -> bool:
    """Whether these changes to a campaign could make it take signups again: its dates, or
    lifting an organiser's close (closing it again is harmless)."""
    return bool(DATES & changes.keys()) or changes.get("closed") is False
