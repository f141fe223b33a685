"""Where an address is still stored: every document of every collection of the given databases,
and every key of every Redis database, searched (case-insensitively) for any of the forms given."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import redis
from bson import json_util
from pymongo import MongoClient

from mobilise_runtime.mongo import Document


def in_databases(mongo_url: str, databases: Iterable[str], forms: Iterable[str]) -> list[str]:
    """`database.collection/_id` of each document holding one of `forms`."""
    wanted = [f.lower() for f in forms]
    found: list[str] = []
    client: MongoClient[Document] = MongoClient(mongo_url)
    try:
        for name in databases:
            db = client[name]
            for collection in db.list_collection_names():
                for doc in db[collection].find():
                    text = json_util.dumps(doc).lower()
                    if any(w in text for w in wanted):
                        found.append(f"{name}.{collection}/{doc.get('_id')}")
    finally:
        client.close()
    return found


def in_redis(redis_url: str, forms: Iterable[str]) -> list[str]:
    """`db/key` of each Redis key (any type, any database) whose name or value holds a form."""
    wanted = [f.lower().encode() for f in forms]
    found: list[str] = []
    base = redis.Redis.from_url(redis_url)
    try:
        keyspace = base.info("keyspace")
    finally:
        base.close()
    for db_name in keyspace:  # "db0", "db3"…: only databases holding keys
        client = redis.Redis.from_url(redis_url, db=int(str(db_name)[2:]))
        try:
            for key in client.scan_iter(count=1000):
                blob = key + b"".join(_values(client, key))
                if any(w in blob.lower() for w in wanted):
                    found.append(f"{db_name}/{key.decode(errors='replace')}")
        finally:
            client.close()
    return found


def _values(client: redis.Redis, key: bytes) -> list[bytes]:
    kind = client.type(key)
    found: Any
    if kind == b"string":
        found = [client.get(key)]
    elif kind == b"list":
        found = client.lrange(key, 0, -1)
    elif kind == b"hash":
        found = [b for pair in client.hgetall(key).items() for b in pair]
    elif kind == b"set":
        found = client.smembers(key)
    elif kind == b"zset":
        found = client.zrange(key, 0, -1)
    else:
        found = []  # streams and the like: mobilise writes none
    return [v if isinstance(v, bytes) else str(v).encode() for v in found if v is not None]
