"""A mailing's plan is fixed once and never rewritten, whoever plans it late: a consumer that lost
the campaign's partition (without knowing yet) and plans the same mailing after the new owner
did must not put a sent batch back as "queued" (its mail claims are that batch's own, so its
task would send it again)."""

from __future__ import annotations

from typing import Any

from devstack.config import StackConfig
from devstack.harness.events import mailing_requested
from mailer.domain.planning import plan
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


async def test_a_late_planner_never_rewrites_the_plan_nor_resets_a_sent_batch(
    database: ServiceDatabase, stack: StackConfig
) -> None:
    event = mailing_requested("c-1")
    mailing_id = str(event.mailing_id)
    owner, stale = MailingsRepository(database.db), MailingsRepository(database.db)
    # Both found no mailing yet; the owner plans first.
    owner_plan = plan([recipient(n) for n in range(5)], event.audience, set(), batch_size=2)
    fixed = await owner.save_plan(event, owner_plan)
    first, *rest = await database.db["mail_batches"].find().sort("_id", 1).to_list()
    assert len(rest) == 2

    # A worker sends the first batch: claims, takes its send turn, "sent".
    worker = SendingStore(connect(stack.mongo_url, database.db.name))
    people = [r["supporter_key"] for r in owner_plan.batches[0]]
    assert worker.claim(mailing_id, first["_id"], "c-1", people) == people
    assert worker.start_sending(first["_id"], "c-1", 0, 1)
    worker.set_state(first["_id"], SENT, sent=2, failed=0, suppressed=0)

    # The member that lost the partition plans late, from what it read (one more recipient).
    late_plan = plan([recipient(n) for n in range(6)], event.audience, set(), batch_size=2)
    returned = await stale.save_plan(event, late_plan)
    assert (returned["planned"], returned.get("plan")) == (5, fixed.get("plan"))

    batches = {b["_id"]: b for b in await database.db["mail_batches"].find().to_list()}
    assert batches[first["_id"]]["state"] == SENT
    assert {b["_id"] for b in batches.values()} == {first["_id"], *(b["_id"] for b in rest)}
    # What either member queues (again) is the fixed plan's unsent batches, nothing else.
    mailing = await stale.get(mailing_id)
    assert mailing is not None
    assert mailing["planned"] == 5
    pending = await stale.unfinished_batches(mailing)
    assert [b["_id"] for b in pending] == [b["_id"] for b in rest]
    assert all(b["state"] == QUEUED for b in pending)
    progress = await stale.progress(mailing_id)
    assert progress is not None
    assert (progress.sent, progress.queued, progress.status) == (2, 3, "sending")
