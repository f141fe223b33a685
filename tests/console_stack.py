"""The console with the services behind its sign-in, for tests: a signup-api, a mailer-api
sending to the SendGrid stand-in, and a console-web, on the test's own topics and databases
(`whole`: every process a campaign needs). `processes` names them, for a test that stops one."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from devstack.config import StackConfig
from devstack.harness.isolation import isolated
from devstack.harness.mailer import Mailer, standin
from devstack.harness.processes import Running, free_port, running, service_env
from devstack.harness.signup import ADMIN_TOKEN, SignupService, projector_env, signup_api
from mobilise_runtime.settings import SharedSettings

CONSOLE_SECRET = "a console session secret for tests"
LINK = re.compile(r"(http://127\.0\.0\.1:\d+/sign-in/[A-Za-z0-9_=-]+)")


@dataclass
class ConsoleStack:
    signup: SignupService
    console: str
    standin: str
    shared: SharedSettings
    mailer: str
    counter: str
    processes: dict[str, Running]

    def admin(self) -> httpx.Client:
        return self.signup.client(organiser=True)

    def new_organiser(self, name: str) -> dict[str, Any]:
        email = f"{name.lower()}-{uuid.uuid4().hex[:8]}@association.example"
        with self.admin() as c:
            body = {"name": name, "email": email, "role": "organiser", "campaigns": []}
            response = c.post("/api/v1/organisers", json=body)
            response.raise_for_status()
            created: dict[str, Any] = response.json()
            return created

    def sign_in_links(self, email: str) -> list[str]:
        """The sign-in links mailed to `email`, newest first, as the stand-in received them."""
        messages = httpx.get(f"{self.standin}/_standin/messages", timeout=10).json()
        return [
            m
            for message in messages
            if email in message.get("to", [])
            for m in LINK.findall(message.get("text") or "")
        ]


@asynccontextmanager
async def console_stack(
    stack: StackConfig, tmp: Path, *, whole: bool = False
) -> AsyncIterator[ConsoleStack]:
    """`whole`: also the counter (consumer, API), the signup projector (the records that
    invalidations match) and the mailer's consumer and worker, so that signups count, can be
    invalidated, and newsletters go out."""
    console_port, mailer_port, counter_port = free_port(), free_port(), free_port()
    console = f"http://127.0.0.1:{console_port}"
    mailer_url = f"http://127.0.0.1:{mailer_port}"
    counter_url = f"http://127.0.0.1:{counter_port}"
    async with isolated(stack) as own:
        shared = own.shared
        with ExitStack() as started:
            sendgrid = started.enter_context(standin(tmp))
            # Each of signup and the mailer names the other: the mailer's port is chosen first.
            signup = started.enter_context(
                signup_api(
                    shared,
                    own.signup_db.db.name,
                    SIGNUP_MAILER_URL=mailer_url,
                    SIGNUP_CONSOLE_URL=console,
                    SIGNUP_COUNTER_URL=counter_url,
                )
            )
            mailer = Mailer(
                shared, own.mailer_db.db.name, f"q{own.unique}", sendgrid, signup.url,
                {"MOBILISE_ADMIN_TOKEN": ADMIN_TOKEN, "MAILER_DEV_OUTBOX": "true"},
            )  # fmt: skip
            api = started.enter_context(
                running("mailer-api", mailer.env(MAILER_PORT=str(mailer_port)))
            )
            assert api.wait_http(f"{mailer_url}/readyz", timeout=60).status_code == 200
            processes = {"signup-api": signup.process, "mailer-api": api}
            if whole:
                started.enter_context(running("signup-projector", projector_env(signup)))
                started.enter_context(mailer.consumer())
                started.enter_context(mailer.worker())
                counter_env = service_env(
                    shared,
                    COUNTER_MONGO_DATABASE=own.database("counter"),
                    COUNTER_CONSUMER_GROUP=f"counter-{own.unique}",
                    COUNTER_PORT=str(counter_port),
                    COUNTER_SIGNUP_URL=signup.url,
                )
                consumer = started.enter_context(running("counter-consumer", counter_env))
                counter = started.enter_context(running("counter-api", counter_env))
                assert counter.wait_http(f"{counter_url}/readyz").status_code == 200
                processes["counter-api"] = counter
                consumer.wait_for("partitions assigned")
            env = service_env(
                shared,
                CONSOLE_PORT=str(console_port),
                CONSOLE_PUBLIC_URL=console,
                CONSOLE_SIGNUP_API_URL=signup.url,
                CONSOLE_SIGNUP_PUBLIC_URL=signup.url,
                CONSOLE_MAILER_API_URL=mailer_url,
                CONSOLE_COUNTER_API_URL=counter_url,
                CONSOLE_SESSION_SECRET=CONSOLE_SECRET,
            )
            process = started.enter_context(running("console-web", env))
            assert process.wait_http(f"{console}/readyz", timeout=60).status_code == 200
            processes["console-web"] = process
            yield ConsoleStack(
                signup, console, sendgrid, shared, mailer_url, counter_url, processes
            )
