"""`mobilise`: the organisers' admin command line (reads the same SIGNUP_/MOBILISE_ settings).

mobilise organiser add --name NAME --email EMAIL     create an organiser; prints its token once
mobilise organiser token --email EMAIL               a further token for an organiser
mobilise consent-text add --version V --fr TEXT --en TEXT
mobilise campaign list
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime

from mobilise_runtime.mongo import ServiceDatabase
from signup.domain.emails import InvalidEmail, parse_email
from signup.domain.errors import SignupError
from signup.repository import Repository
from signup.settings import StoreSettings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mobilise", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    area = parser.add_subparsers(dest="area", required=True)
    organiser = area.add_parser("organiser").add_subparsers(dest="action", required=True)
    add = organiser.add_parser("add", help="create an organiser and print its first token")
    add.add_argument("--name", required=True)
    add.add_argument("--email", required=True)
    token = organiser.add_parser("token", help="print a further token for an organiser")
    token.add_argument("--email", required=True)
    consent = area.add_parser("consent-text").add_subparsers(dest="action", required=True)
    text = consent.add_parser("add", help="publish a consent wording (immutable)")
    text.add_argument("--version", required=True)
    text.add_argument("--fr", required=True)
    text.add_argument("--en", required=True)
    campaign = area.add_parser("campaign").add_subparsers(dest="action", required=True)
    campaign.add_parser("list", help="every campaign: slug, kind, status, goal")
    return parser


async def _run(args: argparse.Namespace, repository: Repository) -> str:
    now = datetime.now(UTC)
    match (args.area, args.action):
        case ("organiser", "add"):
            await repository.ensure_indexes()
            email = parse_email(args.email).address
            organiser, token = await repository.organisers.create(
                name=args.name, email=email, now=now
            )
            who = f"{organiser.name} <{organiser.email}>"
            return f"organiser {who} created; token (shown once):\n{token}"
        case ("organiser", "token"):
            found = await repository.organisers.new_token(parse_email(args.email).address)
            if found is None:
                raise SignupError(f"no organiser with email {args.email}")
            return f"new token (shown once):\n{found}"
        case ("consent-text", "add"):
            await repository.consent_texts.create(
                args.version, {"fr": args.fr, "en": args.en}, by="cli", now=now
            )
            return f"consent text {args.version} published"
        case ("campaign", "list"):
            rows = [
                f"{c.slug:<32} {c.kind:<9} {c.status(now):<9} goal {c.goal}"
                for c in await repository.campaigns.all()
            ]
            return "\n".join(rows) or "no campaigns yet"
    raise AssertionError(args)


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    settings = StoreSettings()
    database = ServiceDatabase(
        settings.shared.mongo_url, settings.mongo_database, app_name="mobilise-cli"
    )

    async def run() -> str:
        try:
            return await _run(args, Repository(database))
        finally:
            await database.close()

    try:
        print(asyncio.run(run()))
    except (SignupError, InvalidEmail) as exc:
        print(f"mobilise: {exc}", file=sys.stderr)
        sys.exit(1)
