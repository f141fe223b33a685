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
from pymongo.database import Database

from devstack.config import StackConfig
from devstack.harness.mailer import Mailer, standin
from devstack.harness.processes import Running, free_port, running, service_env
from devstack.harness.signup import SignupService, projector_env, signup_api
from devstack.infra import INFRA, Service
from devstack.procs import group_ended, port_open, wait_until
from devstack.stack import up
from mobilise_runtime.mongo import Document
from mobilise_runtime.settings import SharedSettings

# Tasks Redis lost are queued again after this long (MAILER_REQUEUE_AFTER_S; 2 hours in
# production): the Redis scenario waits for it.
REQUEUE_AFTER_S = 6


class Stack:
    """One scenario's processes, by role; `kill(role)` is kill -9 of that role's first one. A
    process that exits by itself is started again, as compose's `restart: unless-stopped` and
    Kubernetes do (a consumer exits when FerretDB goes away mid-write; its batch is read again)."""

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
                        self.start(role)

    def supervise(self) -> None:
        self._supervisor.start()

    def unsupervise(self) -> None:
        self._stopping.set()
        if self._supervisor.is_alive():
            self._supervisor.join(timeout=90)

    def start(self, role: str) -> Running:
        env, ready = {
            "counter-consumer": (self.counter_env, "partitions assigned"),
            "signup-projector": (projector_env(self.signup), "partitions assigned"),
            "mailer-consumer": (self.mailer.env(), "partitions assigned"),
            "mailer-worker": (self.mailer.env(), "ready"),
        }[role]
        with self._turn:
            process = self.exits.enter_context(running(role, env))
            process.wait_for(ready, timeout=60)
            self.roles.setdefault(role, []).append(process)
            return process

    def kill(self, role: str) -> None:
        """kill -9 of the role's oldest live process (its whole group: a worker's children too)."""
        with self._turn:
            process = next(p for p in self.roles[role] if p.process.poll() is None)
            os.killpg(process.process.pid, signal.SIGKILL)
            process.process.wait()
            self.roles[role].remove(process)

    def counter_batch_in_hand(self) -> bool:
        """Whether a counter ledger position is ahead of its campaign's totals: a batch written
        to the ledger whose totals write is still to come (see counter.apply)."""
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
        """The end of each process's output (printed with a failure)."""
        return f"restarted after exiting by themselves: {self.restarted}\n" + "\n".join(
            f"--- {role} (exit {p.process.poll()}):\n" + "".join(p.lines[-lines:])
            for role, processes in self.roles.items()
            for p in processes
        )

    def counter_api(self) -> None:
        api = self.exits.enter_context(running("counter-api", self.counter_env))
        assert api.wait_http(f"{self.counter_url}/readyz", timeout=60).status_code == 200

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
                stack.counter_api()
                for role in ("signup-projector", "counter-consumer", "mailer-consumer"):
                    stack.start(role)
                stack.start("mailer-worker")
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


# The infrastructure -----------------------------------------------------------------------------


def _service(name: str) -> Service:
    return next(s for s in INFRA if s.name == name)


def kill_infra(cfg: StackConfig, name: str, sig: signal.Signals = signal.SIGKILL) -> None:
    """`sig` to Kafka, FerretDB or Redis (their whole group), waiting until it is gone."""
    service = _service(name)
    daemon = service.daemon(cfg)
    pid = daemon.pid()
    assert pid is not None, f"{name} is not running"
    os.killpg(pid, sig)
    wait_until(lambda: daemon.pid() is None and group_ended(pid), timeout=60, what=f"{name} ends")
    # A JVM's leader thread shows as a zombie while its other threads, which hold the sockets,
    # are still going away.
    ports = service.ports(cfg)
    wait_until(lambda: not any(port_open(p) for p in ports), timeout=30, what=f"{name} ports")


def restart_infra(cfg: StackConfig, name: str) -> None:
    """Starts it again and waits until it works (devstack's own readiness check)."""
    up(cfg, [name])
