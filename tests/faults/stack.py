"""The whole stack of one fault scenario, every piece a real process on the scenario's own topics,
databases and Celery queue: signup-api and signup-projector, counter-consumer(s) and counter-api,
mailer-consumer, mailer-worker and the SendGrid stand-in. A piece can be killed (-9) and started
again; the infrastructure (Kafka, FerretDB, Redis: devstack's, shared by the test session) can be
killed, stopped and restarted."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from pymongo import MongoClient
from pymongo.collection import Collection
from pymongo.database import Database

from devstack.harness.mailer import Mailer, standin
from devstack.harness.processes import Running, free_port, running, service_env
from devstack.harness.signup import SignupService, projector_env, signup_api
from mobilise_runtime.mongo import Document
from mobilise_runtime.settings import SharedSettings

# Tasks Redis lost are queued again after this long (MAILER_REQUEUE_AFTER_S; 2 hours in
# production): the Redis scenario waits for it.
REQUEUE_AFTER_S = 6
# What each process prints once it works.
READY = {
    "counter-consumer": "partitions assigned",
    "signup-projector": "partitions assigned",
    "mailer-consumer": "partitions assigned",
    "mailer-worker": "ready",
}


class Stack:
    """One scenario's processes, by role; `kill(role)` is kill -9 of that role's first one. A
    process that exits by itself is started again, as compose's `restart: unless-stopped` and
    Kubernetes do, and named in `restarted`: the scenario then fails (`make run` has no such
    supervisor: it stops everything when one process exits)."""

    def __init__(self, shared: SharedSettings, unique: str, signup: SignupService, mailer: Mailer):
        self.shared = shared
        self.signup = signup
        self.mailer = mailer
        self.counter_url = f"http://127.0.0.1:{free_port()}"
        self.counter_env = service_env(
            shared,
            COUNTER_MONGO_DATABASE=f"counter_{unique}",
            COUNTER_CONSUMER_GROUP=f"counter-{unique}",
            COUNTER_PORT=self.counter_url.rsplit(":", 1)[1],
            COUNTER_SIGNUP_URL=signup.url,
        )
        self.databases = (signup.database, f"counter_{unique}", mailer.database)
        self.roles: dict[str, list[Running]] = {}
        self.exits = ExitStack()
        self.restarted: list[str] = []
        self.exited: list[tuple[str, Running]] = []  # those, with their output
        self._turn = threading.RLock()
        self._stopping = threading.Event()
        self._supervisor = threading.Thread(target=self._supervise, daemon=True)

    def _supervise(self) -> None:
        while not self._stopping.wait(0.5):
            with self._turn:
                for role, processes in list(self.roles.items()):
                    for gone in [p for p in processes if p.process.poll() is not None]:
                        processes.remove(gone)
                        self.restarted.append(role)
                        self.exited.append((role, gone))
                        self.start(role)

    def supervise(self) -> None:
        self._supervisor.start()

    def unsupervise(self) -> None:
        self._stopping.set()
        if self._supervisor.is_alive():
            self._supervisor.join(timeout=90)

    def start(self, role: str) -> Running:
        return self.start_all([role])[0]

    def start_all(self, roles: list[str]) -> list[Running]:
        """Starts these side by side (each spends seconds importing on a busy machine), then
        waits until each is ready."""
        env = {
            "counter-consumer": self.counter_env,
            "signup-projector": projector_env(self.signup),
            "mailer-consumer": self.mailer.env(),
            "mailer-worker": self.mailer.env(),
        }
        with self._turn:
            started = [(role, self.exits.enter_context(running(role, env[role]))) for role in roles]
            for role, process in started:
                process.wait_for(READY[role], timeout=120)
                self.roles.setdefault(role, []).append(process)
            return [process for _, process in started]

    def kill(self, role: str) -> None:
        """kill -9 of the role's oldest live process (its whole group: a worker's children too)."""
        with self._turn:
            process = next(p for p in self.roles[role] if p.process.poll() is None)
            os.killpg(process.process.pid, signal.SIGKILL)
            process.process.wait()
            self.roles[role].remove(process)

    def pids(self) -> dict[str, list[int]]:
        """The live processes of each role."""
        with self._turn:
            return {
                role: sorted(p.process.pid for p in processes if p.process.poll() is None)
                for role, processes in self.roles.items()
            }

    def counter_batch_in_hand(self) -> bool:
        """Whether a counter ledger position is ahead of its campaign's totals: a batch written
        to the ledger whose totals write is still to come (see counter.application.apply)."""
        mongo: MongoClient[Document]
        with MongoClient(self.shared.mongo_url) as mongo:
            db: Database[Document] = mongo[self.databases[1]]
            applied = {d["_id"]: d.get("applied", {}) for d in db["totals"].find()}
            for entry in db["ledger"].find():
                for pos in filter(None, (entry.get("signed_pos"), entry.get("confirmed_pos"))):
                    key, offset = pos.split("@")[0], int(pos.rsplit(":", 1)[1])
                    if offset >= applied.get(entry["campaign_id"], {}).get(key, 0):
                        return True
        return False

    def tails(self, lines: int = 15) -> str:
        """The end of each process's output, those that exited by themselves first (printed with
        a failure)."""
        everyone = [
            *((f"{role}, exited by itself", p) for role, p in self.exited),
            *((role, p) for role, processes in self.roles.items() for p in processes),
        ]
        return "\n".join(
            f"--- {role} (exit {p.process.poll()}):\n" + "".join(p.lines[-lines:])
            for role, p in everyone
        )

    def counter_api(self) -> Running:
        """counter-api, started (not waited for: see `wait_counter_api`)."""
        return self.exits.enter_context(running("counter-api", self.counter_env))

    def wait_counter_api(self, api: Running) -> None:
        assert api.wait_http(f"{self.counter_url}/readyz", timeout=120).status_code == 200

    def holds_record_of(self, email: str) -> bool:
        """Whether signup-projector has written a supporter record of this address."""
        mongo: MongoClient[Document]
        with MongoClient(self.shared.mongo_url) as mongo:
            records: Collection[Document] = mongo[self.signup.database]["supporters"]
            return records.count_documents({"email": email}) > 0

    def everything_in(self) -> list[tuple[str, str, Document]]:
        """Every document of the scenario's databases: (database, collection, document)."""
        found: list[tuple[str, str, Document]] = []
        mongo: MongoClient[Document]
        with MongoClient(self.shared.mongo_url) as mongo:
            for name in self.databases:
                db: Database[Document] = mongo[name]
                for collection in db.list_collection_names():
                    found += [(name, collection, d) for d in db[collection].find()]
        return found


@contextmanager
def whole_stack(shared: SharedSettings, unique: str, outbox: Path) -> Iterator[Stack]:
    with (
        signup_api(shared, f"signup_{unique}") as signup,
        standin(outbox) as standin_url,
    ):
        env = {"MAILER_REQUEUE_AFTER_S": str(REQUEUE_AFTER_S)}
        mailer = Mailer(
            shared, f"mailer_{unique}", f"mailer-{unique}", standin_url, signup.url, env
        )
        stack = Stack(shared, unique, signup, mailer)
        try:
            with stack.exits:
                api = stack.counter_api()
                stack.start_all(
                    ["signup-projector", "counter-consumer", "mailer-consumer", "mailer-worker"]
                )
                stack.wait_counter_api(api)
                stack.supervise()
                try:
                    yield stack
                finally:
                    stack.unsupervise()
        finally:
            mongo: MongoClient[Document]
            with MongoClient(shared.mongo_url) as mongo:
                for name in stack.databases:
                    mongo.drop_database(name)
