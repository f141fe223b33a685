"""A mailing's plan is fixed once and never rewritten, whoever plans it late: a consumer that lost
the campaign's partition (without knowing yet) and plans the same mailing after the new owner
did must not put a sent batch back as "queued" (its mail claims are that batch's own, so its
task would send it again). A plan is written batch by batch: one cut off midway is completed by
the next attempt with whoever it lacks, nobody twice."""

from __future__ import annotations

from typing import Any

from devstack.config import StackConfig
from devstack.harness.events import mailing_requested
from mailer.domain.planning import Planner
from mailer.repository import QUEUED, SENT
from mailer.repository.mailings import MailingsRepository
from mailer.repository.sending import SendingStore, connect
from mobilise_runtime.mongo import ServiceDatabase


def recipient(n: int) -> dict[str, Any]:
    return {
        "supporter_key": f"key-{n:04d}",
        "email": f"p{n}@example.org",
        "email_hash": f"hash-{n}",
        "first_name": f"P{n}",
        "locale": "fr",
        "newsletter_opt_in": True,
    }


def batches_of(people: list[dict[str, Any]], planner: Planner) -> list[list[dict[str, Any]]]:
    full = [batch for r in people if (batch := planner.add(r)) is not None]
    return full + planner.rest()


async def test_a_late_planner_never_rewrites_the_plan_nor_resets_a_sent_batch(
    database: ServiceDatabase, stack: StackConfig
) -> None:
    event = mailing_requested("c-1")
    mailing_id = str(event.mailing_id)
    owner, stale = MailingsRepository(database.db), MailingsRepository(database.db)
    fixed, fixed_here = await owner.fix_plan(event)
    assert fixed_here
    people = batches_of([recipient(n) for n in range(5)], Planner(event.audience, set(), 2))
    first, *rest = await owner.add_batches(fixed, people, first=0, part="")
    await owner.complete_plan(fixed, suppressed=0)
    assert len(rest) == 2

    # A worker sends the first batch: claims, takes its send turn, "sent".
    worker = SendingStore(connect(stack.mongo_url, database.db.name))
    keys = first["supporter_keys"]
    assert worker.claim(mailing_id, first["_id"], "c-1", keys) == keys
    assert worker.start_sending(first["_id"], "c-1", 0, 1)
    worker.set_state(first["_id"], SENT, sent=2, failed=0, suppressed=0)

    # The member that lost the partition plans late: it finds the plan fixed, writes nothing.
    returned, fixed_again = await stale.fix_plan(event)
    assert not fixed_again
    assert (returned["planned"], returned["plan"]) == (5, fixed["plan"])
    batches = {b["_id"]: b for b in await database.db["mail_batches"].find().to_list()}
    assert batches[first["_id"]]["state"] == SENT
    assert set(batches) == {first["_id"], *(b["_id"] for b in rest)}
    # What either member queues (again) is the fixed plan's unsent batches, nothing else.
    pending = await stale.unfinished_batches(returned)
    assert [b["_id"] for b in pending] == [b["_id"] for b in rest]
    assert all(b["state"] == QUEUED for b in pending)
    progress = await stale.progress(mailing_id)
    assert progress is not None
    assert (progress.sent, progress.queued, progress.status) == (2, 3, "sending")


async def test_a_plan_cut_off_midway_is_completed_with_whoever_it_lacks(
    database: ServiceDatabase,
) -> None:
    event = mailing_requested("c-1")
    mailings = MailingsRepository(database.db)
    fixed, _ = await mailings.fix_plan(event)
    everyone = [recipient(n) for n in range(7)]
    # The first attempt wrote one batch of two, then its consumer died.
    cut_off = Planner(event.audience, set(), 2)
    first = next(batch for r in everyone if (batch := cut_off.add(r)) is not None)
    await mailings.add_batches(fixed, [first], first=0, part="")
    progress = await mailings.progress(str(event.mailing_id))
    assert progress is not None
    assert (progress.status, progress.queued) == ("queued", 2)  # never "done" while planning

    # Another's members were written, its batch document not: not in the plan.
    await database.db["mail_batch_members"].insert_one(
        {"_id": "orphan", "mailing_id": fixed["_id"], "plan": fixed["plan"],
         "supporter_keys": ["key-0002"]}
    )  # fmt: skip

    # Read again: the plan goes on from whom it holds.
    mailing, fixed_here = await mailings.fix_plan(event)
    assert not fixed_here
    assert "planned_at" not in mailing
    held = await mailings.planned_keys(mailing)
    assert held == {"key-0000", "key-0001"}
    more = batches_of(everyone, Planner(event.audience, set(), 2, planned_keys=held))
    await mailings.add_batches(mailing, more, first=0, part="again-")
    completed = await mailings.complete_plan(mailing, suppressed=0)
    assert (completed["planned"], completed["batches"]) == (7, 4)
    members = await database.db["mail_batch_members"].find({"_id": {"$ne": "orphan"}}).to_list()
    keys = sorted(k for m in members for k in m["supporter_keys"])
    assert keys == [r["supporter_key"] for r in everyone]  # everyone, once
