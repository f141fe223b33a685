"""docs/privacy.md is the register of processing: every MongoDB collection the services' code
reads or writes, every Kafka topic and every Redis key family has its row there. A collection,
topic or key added without one fails here."""

from __future__ import annotations

import re
from pathlib import Path

from mobilise_events.topics import TOPICS

ROOT = Path(__file__).resolve().parents[2]
REGISTER = (ROOT / "docs/privacy.md").read_text()
SOURCES = [p for base in ("services", "packages") for p in (ROOT / base).glob("*/src/**/*.py")]
# `db["name"]`, `db[NAME]`, `database.db["name"]`, `self._db[NAME]`…
COLLECTION = re.compile(r"\b_?(?:db|database)\[\s*(\"[a-z_]+\"|[A-Z_]+)\s*\]")
CONSTANT = re.compile(r"^([A-Z_]+)\s*=\s*\"([a-z_]+)\"", re.MULTILINE)
# The Redis keys the code writes: f-strings and literals starting with one of these.
REDIS_KEY = re.compile(r"f?\"(mobilise:[a-z_-]+)")
# The limiter script's placeholder for "no proof": named, never written.
NOT_WRITTEN = {"mobilise:no-proof"}


def registered(name: str) -> bool:
    """Named in a table row of the register, in code quotes."""
    return any(line.startswith("|") and f"`{name}`" in line for line in REGISTER.splitlines())


def collections() -> set[str]:
    texts = [p.read_text() for p in SOURCES]
    constants = {name: value for text in texts for name, value in CONSTANT.findall(text)}
    found: set[str] = set()
    for text in texts:
        for ref in COLLECTION.findall(text):
            found.add(ref.strip('"') if ref.startswith('"') else constants[ref])
    return found


def test_the_code_uses_the_collections_it_is_expected_to() -> None:
    # The scan itself works: the collections every owner certainly has are found.
    assert {"supporters", "ledger", "recipients", "mail_log"} <= collections()


def test_every_collection_has_its_row() -> None:
    missing = sorted(c for c in collections() if not registered(c))
    assert not missing, f"docs/privacy.md has no row for the collections {missing}"


def test_every_topic_has_its_row() -> None:
    topics = {t.name for t in TOPICS}
    assert "pledge.signed.v1" in topics
    missing = sorted(t for t in topics if not registered(t))
    assert not missing, f"docs/privacy.md has no row for the topics {missing}"


def test_every_redis_key_family_has_its_row() -> None:
    families = {m for p in SOURCES for m in REDIS_KEY.findall(p.read_text())} - NOT_WRITTEN
    assert "mobilise:limit" in families
    missing = sorted(f for f in families if not registered(f"{f}:…"))
    assert not missing, f"docs/privacy.md has no row for the Redis keys {missing}"
