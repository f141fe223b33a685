"""Pure rules of the mailer: who a mailing goes to, in which requests, and when to try again."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from mailer.presentation.i18n import LOCALES
from mobilise_events import Audience

GLOBAL_SCOPE = "*"  # a suppression from every campaign's mailings


# Added by the audience read: when the recipient's person was erased, if ever.
ERASED_AT = "person_erased_at"


def is_confirmed(recipient: dict[str, Any]) -> bool:
    """Confirmed by a confirmation after the person's last erasure: the one of a signup erased
    since, read whenever, confirms nothing. `confirmed_at` is the latest confirmation's time;
    `confirmed: true` is how records written before it say confirmed, at an unknown time, so it
    counts only for a person never erased."""
    erased_at = recipient.get(ERASED_AT)
    confirmed_at = recipient.get("confirmed_at")
    if erased_at is None:
        return confirmed_at is not None or recipient.get("confirmed") is True
    return confirmed_at is not None and confirmed_at > erased_at


def in_audience(recipient: dict[str, Any], audience: Audience) -> bool:
    if not recipient.get("email") or not recipient.get("newsletter_opt_in"):
        return False
    if audience.confirmed_only and not is_confirmed(recipient):
        return False
    if audience.countries is not None and recipient.get("country") not in audience.countries:
        return False
    return audience.locale is None or recipient.get("locale") == audience.locale


@dataclass
class Planner:
    """Cuts a mailing's audience into SendGrid requests as it is read: one language each, at most
    `batch_size` people. A batch is handed out as soon as it is full, so that sending starts
    while the audience is still being read; `rest` gives the last, partial ones. Each person once
    (a supporter key seen again, or already in the plan being continued, is left out)."""

    audience: Audience
    suppressed_hashes: set[str]
    batch_size: int
    # supporter keys already in the plan (a plan continued after an interrupted attempt)
    planned_keys: set[str] = field(default_factory=set)
    suppressed: int = 0  # opted-in people left out because their address is suppressed
    _open: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, recipient: dict[str, Any]) -> list[dict[str, Any]] | None:
        """The batch this recipient filled, if it did."""
        if not in_audience(recipient, self.audience) or recipient.get("locale") not in LOCALES:
            return None
        if recipient["email_hash"] in self.suppressed_hashes:
            self.suppressed += 1
            return None
        key = recipient["supporter_key"]
        if key in self.planned_keys:
            return None
        self.planned_keys.add(key)
        batch = self._open.setdefault(recipient["locale"], [])
        batch.append(recipient)
        if len(batch) < self.batch_size:
            return None
        return self._open.pop(recipient["locale"])

    def rest(self) -> list[list[dict[str, Any]]]:
        """The batches not full yet, once the whole audience was read."""
        return [self._open.pop(locale) for locale in LOCALES if locale in self._open]


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
