"""The real chain behind live totals, for browser tests: a signup-api, Kafka, a counter-consumer
into FerretDB and the counter-api, on the test's own topics and databases."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass

from devstack.harness.processes import free_port, running, service_env
from devstack.harness.signup import SignupService, signup_api
from mobilise_runtime.mongo import ServiceDatabase
from mobilise_runtime.settings import SharedSettings


@dataclass
class Stack:
    signup: SignupService
    counter_url: str
    signup_db: ServiceDatabase


@asynccontextmanager
async def signup_and_counter(
    shared_settings: SharedSettings, unique: str, database: ServiceDatabase
) -> AsyncIterator[Stack]:
    """The counter writes to `database` (the caller drops it); signup's own database is dropped
    here."""
    counter_port = free_port()
    counter_url = f"http://127.0.0.1:{counter_port}"
    counter_env = service_env(
        shared_settings,
        COUNTER_MONGO_DATABASE=database.db.name,
        COUNTER_CONSUMER_GROUP=f"counter-{unique}",
        COUNTER_PORT=str(counter_port),
    )
    signup_db = ServiceDatabase(shared_settings.mongo_url, f"signup_{unique}", app_name="tests")
    try:
        with (
            signup_api(
                shared_settings, signup_db.db.name, SIGNUP_COUNTER_URL=counter_url
            ) as signup,
            running("counter-consumer", counter_env) as consumer,
            running("counter-api", {**counter_env, "COUNTER_SIGNUP_URL": signup.url}) as api,
        ):
            assert api.wait_http(f"{counter_url}/readyz").status_code == 200
            consumer.wait_for("partitions assigned")
            yield Stack(signup, counter_url, signup_db)
    finally:
        await signup_db.client.drop_database(signup_db.db.name)
        await signup_db.close()


@contextmanager
def partner_site(stack: Stack | SignupService) -> Iterator[str]:
    """make run's demo partner site on a port of its own: another origin than signup's."""
    signup = stack.signup if isinstance(stack, Stack) else stack
    port = free_port()
    env = service_env(signup.shared, PARTNER_DEMO_PORT=str(port), SIGNUP_PUBLIC_URL=signup.url)
    with running("partner-demo", env) as site:
        url = f"http://127.0.0.1:{port}"
        assert site.wait_http(f"{url}/readyz").status_code == 200
        yield url
