"""The SendGrid v3 mail-send contract, as the stand-in enforces it: pure functions, no I/O.

`validate` answers what SendGrid's 400 would say about a request body; `expand` shows what each
personalization's recipients would receive (substitutions applied, headers and custom_args merged).
The limits and messages follow SendGrid's published mail-send errors."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

MAX_PERSONALIZATIONS = 1000
MAX_RECIPIENTS = 1000
MAX_BODY_BYTES = 20 * 1024 * 1024
# SendGrid caps each personalization's substitutions, and its custom_args, at 10,000 bytes.
MAX_SUBSTITUTIONS_BYTES = 10_000
MAX_CUSTOM_ARGS_BYTES = 10_000
RESERVED_HEADERS = frozenset(
    h.lower()
    for h in (
        "x-sg-id", "x-sg-eid", "received", "dkim-signature", "Content-Type",
        "Content-Transfer-Encoding", "To", "From", "Subject", "Reply-To", "CC", "BCC",
    )
)  # fmt: skip
HELP = "https://www.twilio.com/docs/sendgrid/api-reference/mail-send/errors"
# Loose on purpose, like SendGrid's: one @, no spaces, a dot in the domain.
_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")


@dataclass(frozen=True)
class ContractError:
    message: str
    field: str | None
    help: str | None = HELP

    def as_json(self) -> dict[str, str | None]:
        return asdict(self)


def is_email(value: Any) -> bool:
    return isinstance(value, str) and _EMAIL.fullmatch(value) is not None


def validate(body: Any) -> list[ContractError]:
    """Every contract violation of a mail-send body; an empty list means SendGrid would take it."""
    if not isinstance(body, dict):
        return [ContractError("The request body must be a JSON object.", None)]
    errors = _sender(body.get("from"))
    errors += _personalizations(body)
    errors += _content(body)
    errors += _headers(body.get("headers"), "headers")
    errors += _custom_args(body.get("custom_args"), "custom_args")
    return errors


def _sender(sender: Any) -> list[ContractError]:
    if not isinstance(sender, dict) or "email" not in sender:
        return [ContractError("The from object must be provided for every email send.", "from")]
    if not is_email(sender["email"]):
        return [ContractError("The from email does not contain a valid address.", "from.email")]
    return []


def _personalizations(body: dict[str, Any]) -> list[ContractError]:
    items = body.get("personalizations")
    if not isinstance(items, list) or not items:
        return [ContractError("You must have at least one personalization.", "personalizations")]
    if len(items) > MAX_PERSONALIZATIONS:
        message = (
            f"The personalization block is limited to {MAX_PERSONALIZATIONS} personalizations "
            f"per API request. You have provided {len(items)} personalizations."
        )
        return [ContractError(message, "personalizations")]
    errors: list[ContractError] = []
    recipients = 0
    for i, item in enumerate(items):
        found, count = _personalization(item, f"personalizations.{i}")
        errors += found
        recipients += count
    if recipients > MAX_RECIPIENTS:
        message = (
            f"There is a limit of {MAX_RECIPIENTS} total recipients (to + cc + bcc) per request."
        )
        errors.append(ContractError(message, "personalizations"))
    if not _nonempty(body.get("subject")) and not all(
        isinstance(item, dict) and _nonempty(item.get("subject")) for item in items
    ):
        message = (
            "The subject is required. You can get around this requirement if you use a template "
            "with a subject defined or if every personalization has a subject defined."
        )
        errors.append(ContractError(message, "subject"))
    return errors


def _personalization(item: Any, where: str) -> tuple[list[ContractError], int]:
    """The errors of one personalization, and how many recipients it has."""
    if not isinstance(item, dict):
        return [ContractError("Each personalization must be an object.", where)], 0
    errors: list[ContractError] = []
    if not item.get("to"):
        message = "The to parameter is required for all personalization objects."
        errors.append(ContractError(message, f"{where}.to"))
    seen: set[str] = set()
    recipients = 0
    for kind in ("to", "cc", "bcc"):
        addresses = item.get(kind) or []
        if not isinstance(addresses, list):
            message = f"The {kind} field must be an array."
            errors.append(ContractError(message, f"{where}.{kind}"))
            continue
        recipients += len(addresses)
        for j, address in enumerate(addresses):
            email = address.get("email") if isinstance(address, dict) else None
            if not is_email(email):
                field = f"{where}.{kind}.{j}.email"
                errors.append(ContractError("Does not contain a valid address.", field))
            elif str(email).lower() in seen:
                message = (
                    "Each email address in the personalization block should be unique "
                    f"between to, cc, and bcc. We found a duplicate: {email}."
                )
                errors.append(ContractError(message, where))
            else:
                seen.add(str(email).lower())
    errors += _substitutions(item.get("substitutions"), f"{where}.substitutions")
    errors += _headers(item.get("headers"), f"{where}.headers")
    errors += _custom_args(item.get("custom_args"), f"{where}.custom_args")
    return errors, recipients


def _content(body: dict[str, Any]) -> list[ContractError]:
    content = body.get("content")
    if not content:
        if _nonempty(body.get("template_id")):
            return []
        message = (
            "Unless a valid template_id is provided, the content parameter is required. "
            "There must be at least one defined content block."
        )
        return [ContractError(message, "content")]
    if not isinstance(content, list) or not all(isinstance(c, dict) for c in content):
        return [ContractError("The content field must be an array of objects.", "content")]
    errors: list[ContractError] = []
    types = [c.get("type") for c in content]
    plain_misplaced = "text/plain" in types and types[0] != "text/plain"
    html_misplaced = "text/html" in types and types.index("text/html") != types.count("text/plain")
    if plain_misplaced or html_misplaced:
        message = (
            "If present, text/plain content must be first, followed by text/html, "
            "followed by any other content."
        )
        errors.append(ContractError(message, "content"))
    for i, block in enumerate(content):
        if not _nonempty(block.get("type")):
            message = "The content type must be a string at least one character in length."
            errors.append(ContractError(message, f"content.{i}.type"))
        if not _nonempty(block.get("value")):
            message = "The content value must be a string at least one character in length."
            errors.append(ContractError(message, f"content.{i}.value"))
    return errors


def _optional_object(value: Any, parameter: str, where: str) -> dict[str, Any] | ContractError:
    """SendGrid's rule for `headers` and `custom_args`: absent, or an object."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        return ContractError(f"The {parameter} parameter must be an object.", where)
    return value


def _headers(given: Any, where: str) -> list[ContractError]:
    headers = _optional_object(given, "headers", where)
    if isinstance(headers, ContractError):
        return [headers]
    errors: list[ContractError] = []
    for name, value in headers.items():
        if name.lower() in RESERVED_HEADERS:
            message = f"The header {name} is reserved and may not be set in headers."
            errors.append(ContractError(message, f"{where}.{name}"))
        elif not isinstance(value, str):
            errors.append(ContractError("Header values must be strings.", f"{where}.{name}"))
    return errors


def _custom_args(given: Any, where: str) -> list[ContractError]:
    args = _optional_object(given, "custom_args", where)
    if isinstance(args, ContractError):
        return [args]
    errors = [
        ContractError("Invalid type. Expected: string.", f"{where}.{name}")
        for name, value in args.items()
        if not isinstance(value, str)
    ]
    if not errors and _size(args) > MAX_CUSTOM_ARGS_BYTES:
        message = f"The custom_args may not exceed {MAX_CUSTOM_ARGS_BYTES} bytes."
        errors.append(ContractError(message, where))
    return errors


def _substitutions(subs: Any, where: str) -> list[ContractError]:
    if subs is None:
        return []
    if not isinstance(subs, dict) or not all(isinstance(v, str) for v in subs.values()):
        return [ContractError("Substitutions must be an object of strings.", where)]
    if _size(subs) > MAX_SUBSTITUTIONS_BYTES:
        message = f"The substitutions may not exceed {MAX_SUBSTITUTIONS_BYTES} bytes."
        return [ContractError(message, where)]
    return []


def _nonempty(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _size(mapping: dict[str, str]) -> int:
    return sum(len(k.encode()) + len(v.encode()) for k, v in mapping.items())


def expand(body: dict[str, Any]) -> list[dict[str, Any]]:
    """What each personalization's recipients receive; `body` must have passed `validate`."""
    content = {block["type"]: block["value"] for block in body.get("content") or []}
    shown = []
    for item in body["personalizations"]:
        subs: dict[str, str] = item.get("substitutions") or {}

        def substitute(text: str | None, subs: dict[str, str] = subs) -> str | None:
            if text is None:
                return None
            for key, value in subs.items():
                text = text.replace(key, value)
            return text

        shown.append(
            {
                "from": body["from"],
                "to": [address["email"] for address in item["to"]],
                "subject": substitute(item.get("subject") or body.get("subject")),
                "text": substitute(content.get("text/plain")),
                "html": substitute(content.get("text/html")),
                "headers": {**(body.get("headers") or {}), **(item.get("headers") or {})},
                "custom_args": {
                    **(body.get("custom_args") or {}),
                    **(item.get("custom_args") or {}),
                },
                "template_id": body.get("template_id"),
            }
        )
    return shown
