"""`mobilise invalidation …`: the invalidation API's rules from the command line (the CLI acts
as an admin, like every `mobilise` command).

mobilise invalidation dry-run --campaign SLUG [filter]          how many signups match
mobilise invalidation apply   --campaign SLUG [filter] --reason TEXT
mobilise invalidation list    --campaign SLUG
mobilise invalidation revert  --campaign SLUG --id UUID --reason TEXT
  filter: [--email-domain D] [--network CIDR] [--partner KEY] [--from ISO] [--until ISO]
"""

from __future__ import annotations

import argparse
import uuid
from datetime import UTC, datetime
from typing import Any

from signup.application import invalidation_service
from signup.bootstrap import SignupStores
from signup.domain.organisers import Organiser
from signup.schemas.invalidations import FilterIn, InvalidationIn, InvalidationOut

FILTER_OPTIONS = {
    "email_domain": "--email-domain",
    "network": "--network",
    "partner": "--partner",
    "signed_from": "--from",
    "signed_until": "--until",
}


def add_parser(area: Any) -> None:
    """The `invalidation` commands, under the `mobilise` parser's areas."""
    invalidation = area.add_parser("invalidation").add_subparsers(dest="action", required=True)
    for action, about in (
        ("dry-run", "how many counted signups a filter matches (changes nothing)"),
        ("apply", "invalidate the signups a filter matches (publishes to Kafka)"),
        ("list", "a campaign's invalidations, newest first"),
        ("revert", "put an invalidation's signups back into the counts"),
    ):
        command = invalidation.add_parser(action, help=about)
        command.add_argument("--campaign", required=True, help="the campaign's slug")
        if action in ("dry-run", "apply"):
            for dest, flag in FILTER_OPTIONS.items():
                command.add_argument(flag, dest=dest)
        if action == "revert":
            command.add_argument("--id", required=True, type=uuid.UUID)
        if action in ("apply", "revert"):
            command.add_argument("--reason", required=True)


def describe(record: InvalidationOut) -> str:
    criteria = " ".join(f"{k}={v}" for k, v in record.filter.model_dump(exclude_none=True).items())
    line = (
        f"{record.id}  {record.state:<10} {record.matched:>6} signups  {criteria}\n"
        f"  {record.at.isoformat()} by {record.by_name}: {record.reason}"
    )
    if record.reverted_at is not None:
        line += f"\n  reverted {record.reverted_at.isoformat()} by {record.reverted_by_name}: "
        line += f"{record.revert_reason}"
    return line


async def run(args: argparse.Namespace, kept: SignupStores, by: Organiser) -> str:
    repository = kept.repository
    campaign = await repository.campaigns.by_slug(args.campaign)
    if args.action == "list":
        records = await repository.invalidations.of_campaign(campaign.id)
        return "\n".join(describe(invalidation_service.view(r)) for r in records) or "none yet"
    if args.action == "dry-run":
        wanted = _filter(args)
        keys = await invalidation_service.matching_keys(repository, campaign, wanted.to_filter())
        return f"{len(keys)} counted signups match (nothing changed)"
    await repository.invalidations.ensure_indexes()
    await kept.kafka.start()  # stopped by the CLI's kept.close()
    now = datetime.now(UTC)
    invalidations = invalidation_service.Invalidations(repository, kept.publisher, campaign, by)
    if args.action == "apply":
        body = InvalidationIn(filter=_filter(args), reason=args.reason)
        done = await invalidations.invalidate(body, now=now)
    else:
        done = await invalidations.revert(args.id, reason=args.reason, now=now)
    return describe(done)


def _filter(args: argparse.Namespace) -> FilterIn:
    # The API's own checks: one set of rules (a ValidationError is reported by the CLI).
    given = {k: getattr(args, k) for k in FILTER_OPTIONS if getattr(args, k) is not None}
    return FilterIn.model_validate(given)
