"""A task queued twice sends once: runs of the same batch's task racing on FerretDB (the
stalled-batch sweep queues again a batch a slow worker still holds; Redis redelivers a task) put
one request only to SendGrid. Issue 19's double confirmation: the runs moved the batch from
"queued" with a guarded update, which FerretDB does by reading then writing, so both moved it."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.fernet import Fernet

from devstack.config import StackConfig
from mailer.adapters.sendgrid import SendGridClient
from mailer.application.delivery import Delivery
from mailer.presentation.messages import Sender
from mailer.repository import DEAD_LETTERS, MAIL_BATCHES, MAIL_SENDS, QUEUED, SENT, UNKNOWN
from mailer.repository.sending import SendingStore, connect
from mailer.schemas.specs import WELCOME, email_task, task_payload
from mailer.settings import Settings
from mobilise_events import LocalisedText
from mobilise_runtime.link_tokens import Tokens
from mobilise_runtime.mongo import ServiceDatabase

TOKENS = Tokens(Fernet.generate_key().decode(), confirm_max_age_s=86_400)
RUNS = 4  # runs of one task at once
BATCHES = 8  # each a new race: a double send in any fails


class CountingSendGrid(SendGridClient):
    """Takes every request, as SendGrid would, and counts them per recipient."""

    def __init__(self) -> None:
        self.sent: Counter[str] = Counter()
        self._lock = threading.Lock()

    def send(self, body: dict[str, Any]) -> str:
        with self._lock:
            for p in body["personalizations"]:
                for to in p["to"]:
                    self.sent[to["email"]] += 1
        return "id"


def welcome(n: int) -> dict[str, Any]:
    source = {
        "email": f"s{n}@example.org",
        "first_name": f"S{n}",
        "locale": "fr",
        "supporter_key": f"key-{n}",
        "email_hash": f"hash-{n}",
        "signed_at": datetime.now(UTC),
    }
    # The task's payload as it travels through Redis.
    return task_payload(
        email_task(WELCOME, "c-1", f"key-{n}", LocalisedText(fr="C", en="C"), source)
    )


def race(worker: Delivery, spec: dict[str, Any], together: threading.Barrier) -> None:
    together.wait(timeout=30)
    assert worker.receive(spec, attempt=1) is None


def test_runs_of_one_task_racing_send_it_once(
    database: ServiceDatabase, stack: StackConfig
) -> None:
    settings = Settings(sendgrid_api_key="dev")
    sendgrid = CountingSendGrid()
    # A client each, as each worker process has: the runs' requests go to FerretDB at once.
    clients = [connect(stack.mongo_url, database.db.name) for _ in range(RUNS + 1)]
    db, *theirs = clients
    sender = Sender.from_settings(settings)
    workers = [Delivery(SendingStore(d), sendgrid, sender, settings, TOKENS) for d in theirs]
    specs = [welcome(n) for n in range(BATCHES)]
    # As the consumer writes them before queueing the task.
    db[MAIL_BATCHES].insert_many(
        [
            {
                "_id": s["batch_id"],
                "kind": WELCOME,
                "mailing_id": None,
                "campaign_id": "c-1",
                "size": 1,
                "state": QUEUED,
                "created_at": datetime.now(UTC),
            }
            for s in specs
        ]
    )
    try:
        with ThreadPoolExecutor(RUNS) as pool:
            for spec in specs:
                together = threading.Barrier(RUNS)
                runs = [pool.submit(race, w, spec, together) for w in workers]
                for run in runs:
                    run.result(timeout=60)
        batches = db[MAIL_BATCHES].find({}, {"state": 1, "sent": 1})
        assert {b["_id"]: (b["state"], b["sent"]) for b in batches} == {
            s["batch_id"]: (SENT, 1) for s in specs
        }
        assert sendgrid.sent == {f"s{n}@example.org": 1 for n in range(BATCHES)}
    finally:
        for c in clients:
            c.client.close()


def test_a_turn_taken_by_a_run_gone_quiet_is_given_up_not_resent(
    database: ServiceDatabase, stack: StackConfig
) -> None:
    """A run took the batch's turn and went quiet (killed mid-request, or frozen past twice the
    SendGrid timeout): it may have sent, so the next run records the batch unknown and sends
    nothing; a turn taken just now is left to its holder."""
    settings = Settings(sendgrid_api_key="dev", sendgrid_timeout_s=5)
    sendgrid = CountingSendGrid()
    db = connect(stack.mongo_url, database.db.name)
    try:
        sender = Sender.from_settings(settings)
        delivery = Delivery(SendingStore(db), sendgrid, sender, settings, TOKENS)
        quiet, busy = welcome(1), welcome(2)
        for spec, taken_s in ((quiet, 11), (busy, 0)):
            db[MAIL_BATCHES].insert_one(
                {"_id": spec["batch_id"], "kind": WELCOME, "mailing_id": None,
                 "campaign_id": "c-1", "size": 1, "state": QUEUED,
                 "created_at": datetime.now(UTC)}
            )  # fmt: skip
            db[MAIL_SENDS].insert_one(
                {"_id": f"{spec['batch_id']}:0", "batch_id": spec["batch_id"],
                 "campaign_id": "c-1", "taken_at": datetime.now(UTC) - timedelta(seconds=taken_s)}
            )  # fmt: skip
            assert delivery.receive(spec, attempt=1) is None
        states = {b["_id"]: b["state"] for b in db[MAIL_BATCHES].find({}, {"state": 1})}
        assert states == {quiet["batch_id"]: UNKNOWN, busy["batch_id"]: QUEUED}
        assert db[DEAD_LETTERS].count_documents({"_id": quiet["batch_id"]}) == 1
        assert sendgrid.sent == Counter()
    finally:
        db.client.close()
