"""`mobilise`: the organisers' admin command line (reads the same SIGNUP_/MOBILISE_ settings).

mobilise organiser add --name NAME --email EMAIL [--role organiser|admin] [--campaign SLUG …]
                       [--expires-at ISO-8601]       create an organiser; prints its token once
mobilise organiser list                              every organiser: role, campaigns, revoked
mobilise organiser change --email EMAIL [--role R] [--campaign SLUG …]   (campaigns replaced whole)
mobilise organiser revoke --email EMAIL              every token of theirs stops working at once
mobilise organiser token --email EMAIL [--expires-at ISO-8601]   a further token (reinstates)
mobilise consent-text add --version V --fr TEXT --en TEXT
mobilise campaign list
mobilise partner add --name NAME --campaign SLUG [--campaign SLUG …] --origin URL [--origin URL …]
                     [--key KEY]                   register a partner; prints its key and embed code
mobilise partner list
mobilise partner origins --key KEY --origin URL [--origin URL …]   replace a partner's origins
mobilise supporter export --email EMAIL              everything held on a person, as JSON
mobilise supporter erase --email EMAIL               erase a person (publishes to Kafka)
mobilise invalidation dry-run|apply|list|revert …   see `mobilise invalidation -h`
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime

from pydantic import TypeAdapter, ValidationError

from mobilise_runtime.errors import DomainError
from signup.application import erasure, organiser_service, partner_service
from signup.bootstrap import SignupStores, stores
from signup.domain.emails import InvalidEmail, parse_email
from signup.domain.organisers import ROLES, Organiser
from signup.domain.partners import InvalidOrigin
from signup.entrypoints import invalidation_cli
from signup.repository import Repository
from signup.schemas.campaigns import Instant
from signup.schemas.organisers import OrganiserIn, OrganiserPatch, OrganiserRecordOut
from signup.schemas.partners import PartnerIn, PartnerOut, PartnerPatch
from signup.schemas.supporters import SupporterEmailIn, SupporterExportOut, SupporterRecordOut
from signup.settings import StoreSettings

_INSTANT: TypeAdapter[datetime] = TypeAdapter(Instant)
# Whoever runs the CLI holds the database's credentials: they act as an admin.
CLI = Organiser(id="cli", name="mobilise CLI", email="", role="admin")


class CliSettings(StoreSettings):
    # The base of the embed snippets it prints: where partners' visitors reach the service.
    public_url: str = "http://127.0.0.1:8000"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mobilise", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    area = parser.add_subparsers(dest="area", required=True)
    organiser = area.add_parser("organiser").add_subparsers(dest="action", required=True)
    add = organiser.add_parser("add", help="create an organiser and print its first token")
    add.add_argument("--name", required=True)
    add.add_argument("--email", required=True)
    add.add_argument("--role", choices=ROLES, default="organiser")
    add.add_argument("--campaign", action="append", default=[], help="a slug (repeatable)")
    add.add_argument("--expires-at", help="when the token stops working (ISO 8601, with offset)")
    organiser.add_parser("list", help="every organiser: role, campaigns, revoked or not")
    change = organiser.add_parser("change", help="change an organiser's role or campaigns")
    change.add_argument("--email", required=True)
    change.add_argument("--role", choices=ROLES)
    change.add_argument("--campaign", action="append", help="a slug (repeatable; replaces all)")
    revoke = organiser.add_parser("revoke", help="revoke every token of an organiser")
    revoke.add_argument("--email", required=True)
    token = organiser.add_parser("token", help="print a further token (reinstates a revoked one)")
    token.add_argument("--email", required=True)
    token.add_argument("--expires-at", help="when the token stops working (ISO 8601, with offset)")
    consent = area.add_parser("consent-text").add_subparsers(dest="action", required=True)
    text = consent.add_parser("add", help="publish a consent wording (immutable)")
    text.add_argument("--version", required=True)
    text.add_argument("--fr", required=True)
    text.add_argument("--en", required=True)
    campaign = area.add_parser("campaign").add_subparsers(dest="action", required=True)
    campaign.add_parser("list", help="every campaign: slug, kind, status, goal")
    partner = area.add_parser("partner").add_subparsers(dest="action", required=True)
    register = partner.add_parser("add", help="register a partner; print its key and embed code")
    register.add_argument("--name", required=True)
    register.add_argument("--key", help="its public key (default: made from the name)")
    register.add_argument("--campaign", action="append", required=True, help="a slug (repeatable)")
    register.add_argument("--origin", action="append", required=True, help="https://host[:port]")
    partner.add_parser("list", help="every partner: key, campaigns, origins")
    origins = partner.add_parser("origins", help="replace a partner's allowed origins")
    origins.add_argument("--key", required=True)
    origins.add_argument("--origin", action="append", required=True, help="https://host[:port]")
    supporter = area.add_parser("supporter").add_subparsers(dest="action", required=True)
    for action, about in (
        ("export", "print everything held on a person (by email) as JSON"),
        ("erase", "erase a person (by email) from every campaign and every service"),
    ):
        supporter.add_parser(action, help=about).add_argument("--email", required=True)
    invalidation_cli.add_parser(area)
    return parser


def _email(raw: str) -> str:
    return parse_email(raw).address


def _instant(raw: str | None) -> datetime | None:
    if raw is None:
        return None
    instant = _INSTANT.validate_python(raw)
    if instant <= datetime.now(UTC):
        raise DomainError("--expires-at is in the past")
    return instant


def _describe_organiser(o: OrganiserRecordOut) -> str:
    campaigns = "every campaign" if o.role == "admin" else ", ".join(o.campaigns) or "none yet"
    revoked = f"  REVOKED {o.revoked_at.isoformat()}" if o.revoked_at else ""
    return f"{o.name} <{o.email}>  {o.role}: {campaigns}{revoked}"


def _describe(partner: PartnerOut, *, with_embed: bool) -> str:
    lines = [
        f"{partner.key}  ({partner.name})",
        f"  campaigns: {', '.join(partner.campaigns)}",
        f"  origins:   {', '.join(partner.origins)}",
    ]
    if with_embed:
        for slug, embed in partner.embed.items():
            lines += [f"\nembed {slug} with the script widget:", embed.script]
            lines += ["\nor, where third-party scripts are not allowed, an iframe:", embed.iframe]
    return "\n".join(lines)


async def _organiser(
    action: str, args: argparse.Namespace, repository: Repository, now: datetime
) -> str:
    match action:
        case "add":
            await repository.ensure_indexes()
            # The API's own checks (name, email, role, campaigns, expiry): one set of rules.
            body = OrganiserIn(
                name=args.name,
                email=args.email,
                role=args.role,
                campaigns=args.campaign,
                expires_at=args.expires_at,
            )
            created = await organiser_service.create(repository=repository, body=body, now=now)
            return (
                f"organiser {_describe_organiser(created)} created; token (shown once):\n"
                f"{created.token}"
            )
        case "list":
            rows = [
                _describe_organiser(await organiser_service.view(repository, o))
                for o in await repository.organisers.all()
            ]
            return "\n".join(rows) or "no organisers yet"
        case "change":
            found = await repository.organisers.by_email(_email(args.email))
            patch = OrganiserPatch.model_validate(
                {k: v for k, v in (("role", args.role), ("campaigns", args.campaign)) if v}
            )
            changed = await organiser_service.change(
                repository=repository,
                organiser_id=found.id,
                changes=patch.model_dump(exclude_unset=True),
                now=now,
            )
            return f"changed: {_describe_organiser(changed)}"
        case "revoke":
            found = await repository.organisers.by_email(_email(args.email))
            revoked = await repository.organisers.revoke(found.id, now=now)
            return f"revoked (every token of theirs stopped working): {revoked.email}"
        case "token":
            expires_at = _instant(args.expires_at)
            new = await repository.organisers.new_token(_email(args.email), expires_at=expires_at)
            if new is None:
                raise DomainError(f"no organiser with email {args.email}")
            return f"new token (shown once):\n{new}"
    raise AssertionError(action)


async def _run(args: argparse.Namespace, kept: SignupStores, settings: CliSettings) -> str:
    repository = kept.repository
    public_url = settings.public_url
    now = datetime.now(UTC)
    match (args.area, args.action):
        case ("organiser", action):
            return await _organiser(action, args, repository, now)
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
        case ("partner", "add"):
            # The API's own checks (origins, name, key, repeats): one set of rules.
            body = PartnerIn(
                name=args.name, key=args.key, campaigns=args.campaign, origins=args.origin
            )
            created = await partner_service.create(
                repository=repository, body=body, by=CLI, now=now
            )
            view = await partner_service.view(repository, created, public_url=public_url)
            return "partner created:\n" + _describe(view, with_embed=True)
        case ("partner", "list"):
            partners = [
                _describe(
                    await partner_service.view(repository, p, public_url=public_url),
                    with_embed=False,
                )
                for p in await repository.partners.all()
            ]
            return "\n".join(partners) or "no partners yet"
        case ("partner", "origins"):
            patch = PartnerPatch(origins=args.origin)
            updated = await partner_service.update(
                repository=repository, key=args.key, changes={"origins": patch.origins}, now=now
            )
            view = await partner_service.view(repository, updated, public_url=public_url)
            return "origins changed:\n" + _describe(view, with_embed=False)
        case ("supporter", "export"):
            email = SupporterEmailIn(email=args.email).email
            records = await erasure.records_of(repository.supporters, email)
            exported = SupporterExportOut(
                generated_at=now,
                email=email,
                records=[SupporterRecordOut.model_validate(r) for r in records],
            )
            return exported.model_dump_json(indent=2)
        case ("supporter", "erase"):
            return await _erase(SupporterEmailIn(email=args.email).email, kept)
        case ("invalidation", _):
            return await invalidation_cli.run(args, kept, CLI)
    raise AssertionError(args)


async def _erase(email: str, kept: SignupStores) -> str:
    await kept.kafka.start()
    campaigns = await erasure.erase(kept.repository.supporters, kept.publisher, email)
    return f"erasure of {email} published ({campaigns} campaigns); each service applies it shortly"


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    settings = CliSettings()
    kept = stores(settings, service="mobilise-cli")

    async def run() -> str:
        try:
            return await _run(args, kept, settings)
        finally:
            await kept.close()

    try:
        print(asyncio.run(run()))
    except (DomainError, InvalidEmail, InvalidOrigin) as exc:
        print(f"mobilise: {exc}", file=sys.stderr)
        sys.exit(1)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        print(f"mobilise: {problems}", file=sys.stderr)
        sys.exit(1)
