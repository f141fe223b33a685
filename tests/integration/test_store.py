"""The store the local stack runs (MOBILISE_STORE: FerretDB on SQLite or on PostgreSQL)."""

from __future__ import annotations

import asyncio

from pymongo import UpdateOne

from devstack import postgres
from devstack.config import StackConfig
from devstack.install import install_postgresql
from mobilise_runtime.mongo import WRITES_PER_COMMAND, ServiceDatabase, bulk_write


async def test_a_command_of_as_many_updates_as_we_send_completes(
    database: ServiceDatabase,
) -> None:
    """FerretDB holds a pooled connection per update of a command until the command ends: one
    command as large as the pool hangs the server for every client (PostgreSQL's default pool
    is 50, our commands' size). Updates that match existing documents, as the counter sends."""
    totals = database.db["totals"]
    count = 2 * WRITES_PER_COMMAND
    await totals.insert_many([{"_id": i, "signed": 0} for i in range(count)])
    updates = [UpdateOne({"_id": i, "signed": 0}, {"$inc": {"signed": 1}}) for i in range(count)]
    await asyncio.wait_for(bulk_write(totals, updates, ordered=False), timeout=60)
    assert await totals.count_documents({"signed": 1}) == count


async def test_the_data_is_in_the_chosen_backend(
    stack: StackConfig, database: ServiceDatabase
) -> None:
    await database.db["probe"].insert_one({"_id": "here"})
    name = database.db.name
    if stack.store == "sqlite":
        assert (stack.data("ferretdb") / "data" / f"{name}.sqlite").exists()
        return
    psql = await asyncio.create_subprocess_exec(
        *postgres.psql_command(
            stack,
            install_postgresql(),
            "SELECT schema_name FROM information_schema.schemata",
            database="ferretdb",
        ),
        stdout=asyncio.subprocess.PIPE,
    )
    schemas, _ = await psql.communicate()
    assert psql.returncode == 0
    assert name in schemas.decode().split()
