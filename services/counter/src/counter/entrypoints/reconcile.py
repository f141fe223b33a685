"""counter-reconcile: recount every campaign's totals from the ledger and report any drift;
with --repair, write the recounted numbers (guarded: only if the consumer has not moved meanwhile,
else the campaign is recounted again).

  counter-reconcile [--campaign ID] [--repair]      exit status 1 when drift was found (and kept)
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from counter.bootstrap import stores
from counter.domain.recount import drift, recount, stored
from counter.domain.totals_document import APPLIED, VERSION, TotalsCounts
from counter.repository.ledger import LedgerRepository
from counter.repository.totals import TotalsRepository
from counter.settings import StoreSettings

ATTEMPTS = 5


async def reconcile_campaign(
    ledger: LedgerRepository, totals: TotalsRepository, campaign_id: str, *, repair: bool
) -> list[str]:
    """The drift found (empty: none); repaired when asked, unless the consumer kept moving."""
    for _ in range(ATTEMPTS):
        doc = await totals.counts(campaign_id)
        applied: dict[str, int] = (doc or {}).get(APPLIED, {})
        expected: TotalsCounts = recount(
            [e async for e in ledger.of_campaign(campaign_id)], applied
        )
        found = drift(expected, stored(doc))
        if not found or not repair:
            return found
        version: int = (doc or {}).get(VERSION, 0)
        if await totals.replace_counts(campaign_id, version, dict(expected)):
            return [f"{line} (repaired)" for line in found]
    return [f"{campaign_id}: the consumer kept moving; not repaired, try again"]


async def run(settings: StoreSettings, campaign: str | None, *, repair: bool) -> int:
    kept = stores(settings, service="counter-reconcile")
    ledger, totals = kept.ledger, kept.totals
    drifted = 0
    try:
        for campaign_id in [campaign] if campaign else await ledger.campaigns():
            lines = await reconcile_campaign(ledger, totals, campaign_id, repair=repair)
            for line in lines:
                print(f"{campaign_id}: {line}")
            drifted += sum(1 for line in lines if not line.endswith("(repaired)"))
            if not lines:
                print(f"{campaign_id}: ok")
    finally:
        await kept.close()
    return 1 if drifted else 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="counter-reconcile",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--campaign", help="one campaign id (default: every campaign)")
    parser.add_argument("--repair", action="store_true", help="write the recounted totals")
    args = parser.parse_args(argv)
    sys.exit(asyncio.run(run(StoreSettings(), args.campaign, repair=args.repair)))
