"""An erasure covers the signups made before it, each by its own time, however late a consumer
reads it: a signup made after the erasure is a new consent and stays, in the mailer and in the
signup service's records alike. The handlers run against the real FerretDB; Celery and the
signup service (campaign titles) are small stand-ins."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, cast

from celery import Celery
from cryptography.fernet import Fernet

from devstack.harness.events import as_batch, signed
from mailer.adapters.campaigns import CampaignTitles
from mailer.application.consumer import MailerConsumer
from mailer.domain.addresses import AddressHasher
from mailer.settings import Settings
from mobilise_events import (
    LocalisedText,
    PledgeSigned,
    Signup,
    VolunteerRegistered,
)
from mobilise_runtime.link_tokens import Tokens
from mobilise_runtime.mongo import ServiceDatabase
from signup.entrypoints.projector import Projector
from signup.repository import Repository
from tests.erasure_timeline import EMAIL, T1, T3, erasure

KEY = "k-awa"


def signup(at: datetime, name: str, kind: type[Signup] = PledgeSigned) -> Signup:
    return signed(
        kind, supporter_key=KEY, email=EMAIL, first_name=name, unsubscribe_token=f"u-{name}",
        occurred_at=at,
    )  # fmt: skip


ERASURE = erasure(KEY)


batch = as_batch


class Tasks:
    """Celery's producer as the consumer uses it: what it would have queued."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    @contextmanager
    def producer_or_acquire(self) -> Iterator[None]:
        yield None

    def send_task(self, name: str, *, args: list[Any], queue: str, producer: None) -> None:
        self.sent.append(args[0])


class Titles:
    async def title(self, slug: str) -> LocalisedText:
        return LocalisedText(fr=slug, en=slug)


def mailer_consumer(database: ServiceDatabase, tasks: Tasks) -> MailerConsumer:
    return MailerConsumer.on(
        Settings(),
        database,
        cast(Celery, tasks),
        cast(CampaignTitles, Titles()),
        AddressHasher(b"test-key"),
        Tokens(Fernet.generate_key().decode(), confirm_max_age_s=86_400),
    )


async def recipient(database: ServiceDatabase) -> dict[str, Any] | None:
    return await database.db["recipients"].find_one({"_id": f"c-1:{KEY}"})


async def test_mailer_a_signup_after_the_erasure_survives_an_erasure_read_late(
    database: ServiceDatabase,
) -> None:
    """The erasure (its own topic) is read in the batch after the later signup."""
    tasks = Tasks()
    handler = mailer_consumer(database, tasks)
    await handler.handle(batch(signup(T1, "Old")))
    await handler.handle(batch(signup(T3, "New"), ERASURE))
    found = await recipient(database)
    assert found is not None
    assert found["first_name"] == "New"
    assert [t["recipients"][0]["first_name"] for t in tasks.sent] == ["Old", "New"]


async def test_mailer_an_older_signup_read_late_does_not_take_the_newer_one_with_it(
    database: ServiceDatabase,
) -> None:
    tasks = Tasks()
    handler = mailer_consumer(database, tasks)
    await handler.handle(batch(ERASURE))
    # Same batch: the replayed older signup, then the new consent.
    await handler.handle(batch(signup(T1, "Old"), signup(T3, "New")))
    found = await recipient(database)
    assert found is not None
    assert found["first_name"] == "New"
    # Another topic read later still brings the older one: it is dropped, the newer stays.
    await handler.handle(batch(signup(T1, "Old", VolunteerRegistered)))
    found = await recipient(database)
    assert found is not None
    assert found["first_name"] == "New"
    assert [t["recipients"][0]["first_name"] for t in tasks.sent] == ["New"]


async def test_mailer_an_erasure_still_removes_the_signups_before_it(
    database: ServiceDatabase,
) -> None:
    handler = mailer_consumer(database, Tasks())
    await handler.handle(batch(signup(T1, "Old"), ERASURE))
    assert await recipient(database) is None
    await handler.handle(batch(signup(T1, "Old")))  # a replay
    assert await recipient(database) is None


async def test_projector_keeps_the_consent_given_after_an_erasure_read_late(
    database: ServiceDatabase,
) -> None:
    projector = Projector(Repository(database), b"secret")
    await projector.apply(batch(signup(T1, "Old")))
    await projector.apply(batch(signup(T3, "New")))
    await projector.apply(batch(ERASURE))
    [record] = await database.db["supporters"].find().to_list()
    assert record["first_name"] == "New"
    assert [c["at"] for c in record["consents"]] == [T3]
    assert record["signed_at"] == T3

    # The erasure and the signups before it, read in any order, leave nothing.
    await database.db["supporters"].delete_many({})
    await projector.apply(batch(ERASURE))
    await projector.apply(batch(signup(T1, "Old")))
    assert await database.db["supporters"].count_documents({}) == 0
