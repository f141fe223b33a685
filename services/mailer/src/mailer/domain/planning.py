"""Pure rules of the mailer: who a mailing goes to, in which requests, and when to try again."""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from mailer.presentation.i18n import LOCALES
from mobilise_events import Audience

GLOBAL_SCOPE = "*"  # a suppression from every campaign's mailings


@dataclass(frozen=True)
class Planned:
    """A mailing cut into SendGrid requests: one language each, at most `batch_size` people."""

    batches: list[list[dict[str, Any]]]
    suppressed: int  # opted-in people left out because their address is suppressed


def in_audience(recipient: dict[str, Any], audience: Audience) -> bool:
    if not recipient.get("email") or not recipient.get("newsletter_opt_in"):
        return False
    if audience.confirmed_only and not recipient.get("confirmed"):
        return False
    if audience.countries is not None and recipient.get("country") not in audience.countries:
        return False
    return audience.locale is None or recipient.get("locale") == audience.locale


def plan(
    recipients: Iterable[dict[str, Any]],
    audience: Audience,
    suppressed_hashes: set[str],
    *,
    batch_size: int,
) -> Planned:
    """Sorted by supporter key, so that the same recipients always make the same batches."""
    chosen = [r for r in recipients if in_audience(r, audience)]
    kept = [r for r in chosen if r["email_hash"] not in suppressed_hashes]
    kept.sort(key=lambda r: r["supporter_key"])
    batches = [
        list(batch)
        for locale in LOCALES
        for batch in chunks([r for r in kept if r["locale"] == locale], batch_size)
    ]
    return Planned(batches, len(chosen) - len(kept))


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def suppression_ids(email_hash: str, campaign_id: str | None) -> list[str]:
    """The suppression documents that stop a mail of this campaign to this address."""
    scopes = [GLOBAL_SCOPE] + ([campaign_id] if campaign_id else [])
    return [suppression_id(scope, email_hash) for scope in scopes]


def suppression_id(scope: str | None, email_hash: str) -> str:
    return f"{scope or GLOBAL_SCOPE}:{email_hash}"


def retry_delay(
    attempt: int,
    *,
    base_s: float,
    max_s: float,
    not_before_s: float = 0.0,
    rng: random.Random | None = None,
) -> float:
    """Seconds before retry number `attempt` (1 for the first): full jitter over an exponential
    ceiling, so that workers that failed together do not come back together; never before
    `not_before_s` (what a 429's rate-limit reset asks)."""
    ceiling = min(max_s, base_s * 2 ** (attempt - 1))
    jitter = (rng or random).uniform(0, ceiling)
    return max(not_before_s, 0.0) + jitter
