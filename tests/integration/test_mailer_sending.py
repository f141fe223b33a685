"""The mailer pipeline on events published straight to Kafka, with the real mailer-consumer,
mailer-worker and SendGrid stand-in: a mailing reaches exactly its audience, rate limits and
server errors are retried or given up with a reason, a worker killed mid-mailing sends nobody
twice, a confirmation whose task Redis lost is still sent once, and an erasure leaves no personal
data behind."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from redis import Redis

from devstack.harness.events import mailing_requested, of_supporter
from devstack.harness.mailer import EMAIL_HASH_KEY, Mailer, publish, wait_until
from mailer.domain.addresses import AddressHasher
from mobilise_events import (
    ErasedSignup,
    Event,
    PledgeSigned,
    SignupConfirmed,
    SupporterErased,
    SupporterUnsubscribed,
)
from mobilise_runtime.settings import SharedSettings


def pledge(campaign: str, n: int, **fields: Any) -> PledgeSigned:
    values = {
        "email": f"p{n}@example.org", "first_name": f"Awa{n}", "country": "FR",
        "consent_text_version": "v1", "unsubscribe_token": f"unsub-{n}", "double_opt_in": False,
        **fields,
    }  # fmt: skip
    return of_supporter(PledgeSigned, campaign, f"{campaign}-key-{n}", **values)


def send(shared: SharedSettings, *events: Event, key: str) -> None:
    asyncio.run(publish(shared, *events, key=key))


mailing = mailing_requested


def newsletters(mailer: Mailer) -> list[str]:
    return [m["to"][0] for m in mailer.messages() if m["custom_args"]["kind"] == "newsletter"]


def batches_done(mailer: Mailer, mailing_id: uuid.UUID) -> bool:
    """Whether the mailing's plan is whole (it is written batch by batch) and each batch done."""
    if (
        mailer.db["mailings"].find_one({"_id": str(mailing_id), "planned_at": {"$exists": True}})
        is None
    ):
        return False
    query = {"mailing_id": str(mailing_id)}
    states = [b["state"] for b in mailer.db["mail_batches"].find(query, {"state": 1})]
    return bool(states) and all(s in ("sent", "failed", "unknown") for s in states)


def test_a_mailing_reaches_exactly_its_audience(
    mailer: Mailer, shared_settings: SharedSettings, unique: str
) -> None:
    campaign, other = f"c-{unique}", f"o-{unique}"
    people = [
        pledge(campaign, n, country=country, locale=locale, newsletter_opt_in=opt_in,
               double_opt_in=True, confirm_token=f"confirm-{n}")
        for n, (country, locale, opt_in) in enumerate(
            [("FR", "fr", True), ("FR", "en", True), ("SN", "fr", True), ("FR", "fr", False)] * 5
        )
    ]  # fmt: skip
    confirmed = [p for n, p in enumerate(people) if n % 3]
    events: list[Event] = [*people, pledge(other, 99, email="p1@example.org")]
    events += [
        SignupConfirmed(signup_id=p.signup_id, campaign_id=campaign, supporter_key=p.supporter_key)
        for p in confirmed
    ]
    bounced, elsewhere = confirmed[0].email, confirmed[1].email
    events += [
        SupporterUnsubscribed(email=bounced.upper(), source="webhook", reason="bounce"),
        SupporterUnsubscribed(email=elsewhere, campaign_id=other, source="link"),
    ]
    send(shared_settings, *events, key=campaign)
    request = mailing(campaign, countries=("FR",), confirmed_only=True)
    expected = {
        p.email
        for p in confirmed
        if p.country == "FR" and p.newsletter_opt_in and p.email != bounced
    }
    with mailer.consumer(), mailer.worker():
        wait_until(lambda: mailer.db["suppressions"].count_documents({}) == 2, what="suppressed")
        send(shared_settings, request, key=campaign)
        wait_until(lambda: batches_done(mailer, request.mailing_id), what="mailing sent")
    got = newsletters(mailer)
    assert sorted(got) == sorted(expected)  # each once
    plan = mailer.one("mailings", {"_id": str(request.mailing_id)})
    assert (plan["planned"], plan["suppressed"]) == (len(expected), 1)


def test_a_rate_limited_send_is_retried_and_sent_once(
    mailer: Mailer, shared_settings: SharedSettings, unique: str
) -> None:
    mailer.fault(429, count=2, retry_after_s=1)
    send(shared_settings, pledge(f"c-{unique}", 1), key=unique)
    with mailer.consumer(), mailer.worker() as worker:
        batch = wait_until(
            lambda: mailer.db["mail_batches"].find_one({"state": "sent"}), what="sent"
        )
        assert "batch will be retried" in worker.output()
    assert batch["attempts"] == 3
    assert [m["to"] for m in mailer.messages()] == [["p1@example.org"]]


def test_server_errors_until_given_up_leave_a_dead_letter_with_the_reason(
    mailer: Mailer, shared_settings: SharedSettings, unique: str
) -> None:
    mailer.extra["MAILER_SEND_MAX_ATTEMPTS"] = "3"
    mailer.fault(503, count=3)
    send(shared_settings, pledge(f"c-{unique}", 1), key=unique)
    with mailer.consumer(), mailer.worker():
        dead = wait_until(lambda: mailer.db["mail_dead_letters"].find_one({}), what="a dead letter")
    assert dead["attempts"] == 3
    assert "gave up after 3 attempts" in dead["reason"]
    assert "503" in dead["reason"]
    assert dead["kind"] == "welcome"
    assert dead["supporter_keys"] == [f"c-{unique}-key-1"]
    assert mailer.one("mail_batches", {})["state"] == "failed"
    assert mailer.count() == 0


def test_a_worker_killed_mid_mailing_sends_nobody_twice_and_loses_nobody(
    mailer: Mailer, shared_settings: SharedSettings, unique: str
) -> None:
    campaign = f"c-{unique}"
    hasher = AddressHasher(EMAIL_HASH_KEY.encode())
    people = [pledge(campaign, n) for n in range(150)]
    mailer.db["recipients"].insert_many(
        [
            {
                "_id": f"{campaign}:{p.supporter_key}", **p.model_dump(mode="json"),
                "email_hash": hasher(p.email),
                "confirmed": True, "signed_at": p.occurred_at,
            }
            for p in people
        ]
    )  # fmt: skip
    # Many small requests, so that the kill falls in the middle of the mailing.
    mailer.extra["MAILER_MAILING_BATCH_SIZE"] = "3"
    request = mailing(campaign)
    with mailer.consumer():
        with mailer.worker() as first:
            send(shared_settings, request, key=campaign)
            wait_until(lambda: mailer.count() >= 30, what="a fifth of the mailing")
            os.killpg(first.process.pid, signal.SIGKILL)
            first.process.wait()
        sent_before = mailer.count()
        assert sent_before < 150
        with mailer.worker():
            wait_until(
                lambda: batches_done(mailer, request.mailing_id), timeout=120, what="all sent"
            )
    got = Counter(newsletters(mailer))
    assert max(got.values()) == 1  # nobody twice
    unknown = list(mailer.db["mail_batches"].find({"state": "unknown"}))
    # Cut off mid-request: recorded, dead-lettered, not sent again (at most once).
    assert len(unknown) <= 2
    members = mailer.db["mail_batch_members"].find({"_id": {"$in": [b["_id"] for b in unknown]}})
    unknown_keys = {k for m in members for k in m["supporter_keys"]}
    lost = {p.email for p in people if p.supporter_key not in unknown_keys} - set(got)
    assert lost == set()
    assert mailer.db["mail_dead_letters"].count_documents({}) == len(unknown)


def test_signup_emails_whose_tasks_were_lost_are_sent_once_by_the_sweep(
    mailer: Mailer, shared_settings: SharedSettings, unique: str
) -> None:
    campaign = f"c-{unique}"
    kept = pledge(campaign, 1, double_opt_in=True, confirm_token="confirm-1")
    gone = pledge(campaign, 2, double_opt_in=True, confirm_token="confirm-2")
    redis = Redis.from_url(shared_settings.redis_url)
    with mailer.consumer() as consumer:
        send(shared_settings, kept, gone, key=campaign)
        wait_until(lambda: redis.llen(mailer.queue) == 2, what="two tasks in Redis")
        assert redis.delete(mailer.queue) == 1  # lost before any worker took them
        erased = SupporterErased(
            email=gone.email,
            signups=(ErasedSignup(campaign_id=campaign, supporter_key=gone.supporter_key),),
            occurred_at=datetime.now(UTC) + timedelta(seconds=1),
        )
        send(shared_settings, erased, key=campaign)
        wait_until(lambda: mailer.db["erasures"].find_one({}), what="the tombstone")
        with mailer.worker():
            wait_until(
                lambda: mailer.db["mail_batches"].count_documents({"state": "sent"}) == 2,
                timeout=90,
                what="both emails swept and done",
            )
        assert "stalled signup emails queued again" in consumer.output()
    (confirmation,) = mailer.messages()
    assert confirmation["to"] == [kept.email]
    assert confirmation["custom_args"]["kind"] == "confirmation"
    assert "/confirm/confirm-1" in confirmation["text"]
    batches = {b["_id"]: b for b in mailer.db["mail_batches"].find()}
    sent = batches[f"confirmation:{campaign}:{kept.supporter_key}"]
    assert (sent["sent"], sent["suppressed"]) == (1, 0)
    # Erased while its task was lost: rebuilt without anyone to send to, counted suppressed.
    skipped = batches[f"confirmation:{campaign}:{gone.supporter_key}"]
    assert (skipped["sent"], skipped["suppressed"]) == (0, 1)
    assert "p2@example.org" not in str(list(mailer.db["recipients"].find()))


def test_an_erasure_leaves_no_personal_data_and_replays_do_not_bring_it_back(
    mailer: Mailer, shared_settings: SharedSettings, unique: str
) -> None:
    campaign, other = f"c-{unique}", f"o-{unique}"
    mine = [pledge(campaign, 1, first_name="Zoubida"), pledge(other, 1, first_name="Zoubida")]
    send(shared_settings, *mine, pledge(campaign, 2), key=campaign)
    unsubscribed = SupporterUnsubscribed(email="p1@example.org", campaign_id=campaign)
    with mailer.consumer(), mailer.worker():
        wait_until(lambda: mailer.count() == 3, what="three welcome emails")
        send(shared_settings, unsubscribed, key=campaign)
        wait_until(lambda: mailer.db["suppressions"].find_one({}), what="suppressed")
        erased = SupporterErased(
            email="P1@example.org",
            signups=tuple(ErasedSignup(campaign_id=p.campaign_id, supporter_key=p.supporter_key)
                          for p in mine),
            occurred_at=datetime.now(UTC) + timedelta(seconds=1),
        )  # fmt: skip
        send(shared_settings, erased, key=campaign)
        wait_until(lambda: mailer.db["erasures"].find_one({}), what="the tombstone")
        # A replay of the old signups (and a mailing after it) mails nobody erased.
        send(shared_settings, *mine, key=campaign)
        request = mailing(campaign)
        send(shared_settings, request, key=campaign)
        wait_until(lambda: batches_done(mailer, request.mailing_id), what="mailing sent")
    assert newsletters(mailer) == ["p2@example.org"]
    assert mailer.count() == 4
    everything = str(
        {name: list(mailer.db[name].find()) for name in mailer.db.list_collection_names()}
    )
    # Supporter keys (keyed hashes, like the tombstone) may stay; the person may not.
    for personal in ("p1@example.org", "Zoubida", "unsub-1"):
        assert personal not in everything, personal
    assert "p2@example.org" in everything  # the others are still there
    assert mailer.db["suppressions"].count_documents({}) == 1  # still suppressed
