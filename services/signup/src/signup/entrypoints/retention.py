"""signup-retention: applies the retention policy (mobilise_runtime.retention) to the signup
service's own data, once, and reports what it removed: the supporter records of campaigns closed
more than `closed_campaign_days` ago are deleted behind a campaign-level marker
(repository/anonymisation.py), and the client networks of records first signed more than
`client_network_days` ago are dropped, and so are organisers' tokens past their expiry (console
sessions). Idempotent: a second run removes nothing."""

from __future__ import annotations

from datetime import datetime

from mobilise_runtime.retention import Removed, RetentionPolicy, run_retention_job
from signup.bootstrap import stores
from signup.repository.anonymisation import AnonymisationRepository
from signup.settings import StoreSettings

SERVICE = "signup-retention"


async def anonymise(
    repository: AnonymisationRepository, policy: RetentionPolicy, now: datetime
) -> Removed:
    closed_before = policy.cutoff(policy.closed_campaign_days, now)
    return {
        "campaigns anonymised": await repository.mark_closed_before(closed_before, now=now),
        "supporters": await repository.delete_records(),
        "client networks": await repository.forget_networks(
            policy.cutoff(policy.client_network_days, now)
        ),
    }


async def apply(settings: StoreSettings, policy: RetentionPolicy, now: datetime) -> Removed:
    kept = stores(settings, service=SERVICE)
    try:
        removed = await anonymise(kept.repository.anonymisation, policy, now)
        tokens = await kept.repository.organisers.prune_expired_tokens(now=now)
        return {**removed, "expired organiser tokens": tokens}
    finally:
        await kept.close()


def main() -> None:
    settings = StoreSettings()
    run_retention_job(SERVICE, settings.shared, lambda p, now: apply(settings, p, now))
