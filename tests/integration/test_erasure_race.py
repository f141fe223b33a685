"""The erasure race: a signup published but not yet applied when its person is erased. The
erasure could not name that signup's campaign (the erase route knew only the records already
projected), yet afterwards the address is in no collection of any service's database, nor in
Redis — whichever of the two each owner applies first, and when another process applies the
erasure between a signup's tombstone check and its write.

The interleaved cases run the owners' handlers against the real FerretDB (two handlers of the
same owner stand for two processes); the ordered cases run every real process."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import redis
from pymongo import MongoClient

from devstack.config import StackConfig
from devstack.harness.events import signed
from devstack.harness.mailer import Mailer, publish, standin, wait_until
from devstack.harness.processes import running, service_env
from devstack.harness.signup import (
    SUPPORTER_KEY_SECRET,
    SignupService,
    projector_env,
    signup_api,
)
from mailer.application.consumer import MailerConsumer
from mobilise_events import PledgeSigned, SignupConfirmed, SupporterErased
from mobilise_runtime.mongo import Document, ServiceDatabase
from mobilise_runtime.settings import SharedSettings
from signup.domain.emails import canonical_email
from signup.domain.supporters import supporter_key
from signup.entrypoints.projector import Projector
from signup.repository import Repository
from tests.integration.test_erasure_order import Tasks, batch, mailer_consumer
from tests.integration.test_signup_erasure import pledge
from tests.personal_data_scan import in_databases, in_redis

SIGNED = datetime(2026, 3, 1, 9, tzinfo=UTC)
ERASED = SIGNED + timedelta(seconds=1)


def address() -> str:
    return f"Awa.Race+{uuid.uuid4().hex[:8]}@Example.org"


def in_flight(email: str, campaign_id: str = "c-in-flight") -> PledgeSigned:
    key = f"key-{uuid.uuid4().hex}"
    return signed(
        campaign_id=campaign_id, campaign_slug=campaign_id, supporter_key=key, email=email,
        country="SN", unsubscribe_token="u-token", occurred_at=SIGNED,
    )  # fmt: skip


def unnamed_erasure(email: str) -> SupporterErased:
    """What the erase route publishes while the signup is in flight: it names no signup."""
    return SupporterErased(email=email, occurred_at=ERASED)


Meanwhile = Callable[[], Awaitable[None]]


def erased_meanwhile(repository: object, lookup: str, meanwhile: Meanwhile) -> None:
    """Another process's erasure lands right after the first tombstone `lookup` of this
    repository: between a signup's tombstone check and its write."""
    original: Callable[..., Awaitable[dict[str, datetime]]] = getattr(repository, lookup)
    pending = [meanwhile]

    async def looked_up(hashes: Iterable[str]) -> dict[str, datetime]:
        found = await original(hashes)
        if pending:
            await pending.pop()()
        return found

    setattr(repository, lookup, looked_up)


def left(stack: StackConfig, database: ServiceDatabase, email: str) -> list[str]:
    """The documents of `database` still holding the address, in any of its forms."""
    return in_databases(stack.mongo_url, [database.db.name], [email, canonical_email(email)])


async def test_projector_erasure_applied_by_another_process_during_a_signup_write(
    stack: StackConfig, database: ServiceDatabase
) -> None:
    email = address()
    signup, erasure = in_flight(email), unnamed_erasure(email)
    eraser = Projector(Repository(database), b"secret")
    writer = Projector(Repository(database), b"secret")
    erased_meanwhile(writer._erasures, "erased_at", lambda: eraser.apply(batch(erasure)))
    await writer.apply(batch(signup))
    assert left(stack, database, email) == []


async def test_projector_either_order(stack: StackConfig, database: ServiceDatabase) -> None:
    for first, then in ((True, False), (False, True)):
        email = address()
        signup, erasure = in_flight(email), unnamed_erasure(email)
        projector = Projector(Repository(database), b"secret")
        for erasure_first in (first, then):
            await projector.apply(batch(erasure if erasure_first else signup))
        assert left(stack, database, email) == []


async def test_mailer_erasure_applied_by_another_process_during_a_signup_write(
    stack: StackConfig, database: ServiceDatabase
) -> None:
    email = address()
    signup, erasure = in_flight(email), unnamed_erasure(email)
    eraser = mailer_consumer(database, Tasks())
    tasks = Tasks()
    writer: MailerConsumer = mailer_consumer(database, tasks)
    erased_meanwhile(writer._audience, "erased_since", lambda: eraser.handle(batch(erasure)))
    await writer.handle(batch(signup))
    assert left(stack, database, email) == []
    assert tasks.sent == []  # no welcome queued for the erased person


async def test_a_confirmation_read_before_its_signup_in_flight_goes_with_it(
    stack: StackConfig, database: ServiceDatabase
) -> None:
    """The confirmation (its own topic) holds only the supporter key; the erasure could not
    name it. Once the signup it confirms is read and dropped, nothing of that key is left."""
    email = address()
    signup, erasure = in_flight(email), unnamed_erasure(email)
    confirmed = SignupConfirmed(
        signup_id=signup.signup_id,
        campaign_id=signup.campaign_id,
        supporter_key=signup.supporter_key,
        occurred_at=SIGNED,
    )
    mailer_db = ServiceDatabase(stack.mongo_url, f"{database.db.name}_mailer", app_name="tests")
    try:
        projector, mailer = (
            Projector(Repository(database), b"secret"),
            mailer_consumer(mailer_db, Tasks()),
        )
        for events in ([confirmed], [erasure], [signup]):
            await projector.apply(batch(*events))
            await mailer.handle(batch(*events))
        names = [database.db.name, mailer_db.db.name]
        forms = [signup.supporter_key, email, canonical_email(email)]
        assert in_databases(stack.mongo_url, names, forms) == []
    finally:
        await mailer_db.client.drop_database(mailer_db.db.name)
        await mailer_db.close()


# The ordered cases, every process real: signup-api, signup-projector, counter-consumer,
# mailer-consumer, mailer-worker (Celery on Redis), the SendGrid stand-in.


def erase(signup: SignupService, email: str) -> None:
    with signup.client(organiser=True) as c:
        response = c.post("/api/v1/supporters/erase", json={"email": email})
    assert response.status_code == 202, response.text


def settled(
    signup: SignupService,
    mailer: Mailer,
    counter_db: str,
    campaign: dict[str, Any],
    marker: str,
    *,
    signed: int,
    erasures: int,
    sent: int,
) -> None:
    """Waits until every owner applied everything published so far: `marker` signed last, on
    the same partition as the signup in flight, so once each owner holds it the earlier signup
    was applied too; the erasures are on their own topic, counted by their tombstones."""
    client: MongoClient[Document] = MongoClient(signup.shared.mongo_url)
    queue = redis.Redis.from_url(signup.shared.redis_url)
    try:
        signup_db, mailer_db = client[signup.database], client[mailer.database]

        def done() -> bool:
            totals = client[counter_db]["totals"].find_one({"_id": campaign["id"]}) or {}
            return (
                signup_db["supporters"].count_documents({"email": marker}) == 1
                and mailer_db["recipients"].count_documents({"email": marker}) == 1
                and totals.get("signed") == signed
                and signup_db["erasures"].count_documents({}) == erasures
                and mailer_db["erasures"].count_documents({}) == erasures
                and mailer.count() == sent
                and queue.llen(mailer.queue) == 0
            )

        wait_until(done, timeout=90, what="every owner to apply the signups and erasures")
    finally:
        client.close()
        queue.close()


def scan(signup: SignupService, mailer: Mailer, counter_db: str, email: str) -> list[str]:
    forms = [email, canonical_email(email)]
    databases = [signup.database, mailer.database, counter_db]
    return in_databases(signup.shared.mongo_url, databases, forms) + in_redis(
        signup.shared.redis_url, forms
    )


async def test_erasure_of_a_signup_in_flight_in_both_orders_leaves_the_address_nowhere(
    shared_settings: SharedSettings, database: ServiceDatabase, unique: str, tmp_path: Path
) -> None:
    counter_db = f"counter_{unique}"
    counter_env = service_env(
        shared_settings,
        COUNTER_MONGO_DATABASE=counter_db,
        COUNTER_CONSUMER_GROUP=f"counter-{unique}",
    )
    client: MongoClient[Document] = MongoClient(shared_settings.mongo_url)
    try:
        with (
            signup_api(shared_settings, f"signup_{unique}") as signup,
            standin(tmp_path) as outbox,
        ):
            mailer = Mailer(
                shared_settings, database.db.name, f"mailer-{unique}", outbox, signup.url, {}
            )
            campaign = signup.create_campaign(double_opt_in=False)

            # 1. Erased while its signup waits in Kafka, before any owner applied it.
            first = address()
            pledge(signup, campaign, first, "Awa")
            erase(signup, first)
            pledge(signup, campaign, "bintou.race@example.org", "Bintou")
            with (
                running("signup-projector", projector_env(signup)) as projector,
                running("counter-consumer", counter_env) as counter,
                mailer.consumer(),
                mailer.worker(),
            ):
                projector.wait_for("partitions assigned", timeout=60)
                counter.wait_for("partitions assigned", timeout=60)
                settled(
                    signup, mailer, counter_db, campaign, "bintou.race@example.org",
                    signed=2, erasures=1, sent=1,
                )  # fmt: skip
                assert scan(signup, mailer, counter_db, first) == []
                # The scan does see what is kept: the other supporter, in both services.
                kept = scan(signup, mailer, counter_db, "bintou.race@example.org")
                assert {k.split(".")[0] for k in kept} == {signup.database, mailer.database}

                # 2. A signup accepted before the erasure but published after every owner
                # applied it (a publish retried late).
                second = address()
                erase(signup, second)
                key = supporter_key(
                    SUPPORTER_KEY_SECRET.encode(), campaign["id"], canonical_email(second)
                )
                late = in_flight(second, campaign["id"]).model_copy(
                    update={
                        "supporter_key": key,
                        "campaign_slug": campaign["slug"],
                        "consent_text_version": campaign["consent"]["version"],
                        "occurred_at": datetime.now(UTC) - timedelta(seconds=30),
                    }
                )
                wait_until(
                    lambda: (
                        client[mailer.database]["erasures"].count_documents({}) == 2
                        and client[signup.database]["erasures"].count_documents({}) == 2
                    ),
                    what="the second erasure applied",
                )
                await publish(shared_settings, late, key=campaign["id"])
                pledge(signup, campaign, "chiara.race@example.org", "Chiara")
                settled(
                    signup, mailer, counter_db, campaign, "chiara.race@example.org",
                    signed=4, erasures=2, sent=2,
                )  # fmt: skip
                assert scan(signup, mailer, counter_db, second) == []
    finally:
        for name in (counter_db, f"signup_{unique}"):
            client.drop_database(name)
        client.close()
