"""Control characters in what a request sends as text (NUL above all: PostgreSQL's JSON cannot hold
it, so FerretDB on PostgreSQL failed with a 500): found in a JSON body or a query string before
anything parses them, so every text field of every API is covered at once.

Refused: the C0 controls but tab, line feed and carriage return, DEL, and the C1 controls."""

from __future__ import annotations

import json
import re
from typing import Any

# In JSON, a control character is an escape (\u0000, or \b and \f) or, for DEL and C1, the raw
# UTF-8 bytes (raw C0 bytes are not JSON at all). An escape counts only after an even run of
# backslashes: "\\u0000" is the six characters \u0000, which are harmless text.
_IN_JSON = re.compile(
    rb"(?<!\\)(?:\\\\)*\\(?:[bf]|u00(?:0[0-8bBcCeEfF]|1[0-9a-fA-F]|7[fF]|[89][0-9a-fA-F]))"
    rb"|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]"
)
_IN_QUERY = re.compile(
    rb"%(?:0[0-8bBcCeEfF]|1[0-9a-fA-F]|7[fF])|%[cC]2%[89][0-9a-fA-F]"
    rb"|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
)
_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
REFUSED = "contains control characters (such as NUL)"


def in_json(body: bytes) -> bool:
    return _IN_JSON.search(body) is not None


def in_query(query: bytes) -> bool:
    return _IN_QUERY.search(query) is not None


def in_text(text: str) -> bool:
    return _IN_TEXT.search(text) is not None


def where_in_json(body: bytes) -> str:
    """Where in the body the first text with a control character is, as FastAPI names a field
    ("body.title.fr"); only on the way to a refusal, so parsing it again costs nothing."""
    try:
        found = _where(json.loads(body), ("body",))
    except ValueError:
        found = None
    return ".".join(found or ("body",))


def _where(value: Any, path: tuple[str, ...]) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return path if in_text(value) else None
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, item in items:
        if isinstance(key, str) and in_text(key):
            return (*path, key)
        found = _where(item, (*path, str(key)))
        if found:
            return found
    return None
