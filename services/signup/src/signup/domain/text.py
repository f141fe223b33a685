"""Names and other free text people type: cleaned on the way in, made safe on the way out."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# A spreadsheet treats a cell that starts with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


class InvalidText(ValueError):
    pass


def clean_name(raw: str) -> str:
    """NFC, trimmed, inner whitespace collapsed; control and format characters refused."""
    text = unicodedata.normalize("NFC", raw)
    # Checked before collapsing: Python's \s also matches separators like \x1c and \x85.
    if any(unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs") and c not in "\t\n\r" for c in text):
        raise InvalidText("contains control characters")
    text = _SPACES.sub(" ", text).strip()
    if any(c in "<>" for c in text):
        raise InvalidText("may not contain < or >")
    return text


def spreadsheet_safe(value: str) -> str:
    """A CSV cell that a spreadsheet shows as text, never evaluates."""
    return "'" + value if value.startswith(_FORMULA_START) else value
