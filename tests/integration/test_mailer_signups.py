"""Signups through the real signup-api reach supporters' inboxes (the SendGrid stand-in) through
the real mailer-consumer and mailer-worker: the confirmation and welcome emails in French and in
English with links that work (minted by the mailer, opened by the signup service), signup events
of schema version 1 that carry their own links, a one-click unsubscribe that keeps the next
newsletter away, and newsletters whose unsubscribe links the worker mints as it sends (tasks
queued by an earlier version, with their tokens, still sent with them)."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import uuid
from typing import Any
from urllib.parse import quote, unquote

import httpx
from redis import Redis

from devstack.harness.events import mailing_requested, signed
from devstack.harness.mailer import Mailer, publish, wait_until
from devstack.harness.signup import ADMIN_TOKEN, SignupService
from mailer.adapters.queue import SEND_BATCH, create_celery
from mailer.settings import Settings
from mobilise_events import LocalisedText, SignupConfirmed
from mobilise_runtime.link_tokens import ConfirmClaim, Tokens, UnsubscribeClaim
from mobilise_runtime.settings import SharedSettings
from tests.kafka_reader import read_events

ORGANISER = {"Authorization": f"Bearer {ADMIN_TOKEN}"}

LINK = re.compile(r"http://127\.0\.0\.1:\d+/(confirm|unsubscribe)/[A-Za-z0-9_=%\-]+")


def _to(messages: list[dict[str, Any]], email: str) -> list[dict[str, Any]]:
    return [m for m in messages if m["to"] == [email]]


def _link(message: dict[str, Any], kind: str) -> str:
    found = {m.group(0) for m in LINK.finditer(message["text"] + message["html"])}
    (link,) = {link for link in found if f"/{kind}/" in link}
    return link


def _token(link: str) -> str:
    return unquote(link.rsplit("/", 1)[1])


def _queued(mailer: Mailer) -> list[dict[str, Any]]:
    """The payloads of the tasks waiting in the mailer's Celery queue, as Redis holds them
    (kombu's envelope, its body base64 or not)."""
    redis = Redis.from_url(mailer.shared.redis_url)
    try:
        messages = redis.lrange(mailer.queue, 0, -1)
    finally:
        redis.close()
    payloads = []
    for message in messages:
        envelope = json.loads(message)
        body = envelope["body"]
        if envelope["properties"].get("body_encoding") == "base64":
            body = base64.b64decode(body)
        args, _, _ = json.loads(body)
        payloads.append(args[0])
    return payloads


def test_signups_get_their_email_in_their_language_with_working_links(
    signup: SignupService, mailer: Mailer
) -> None:
    double = signup.create_campaign(double_opt_in=True)
    single = signup.create_campaign(double_opt_in=False)
    signup.pledge(double, email="awa@example.org", locale="fr", first_name="Awa")
    signup.pledge(single, email="grace@example.org", locale="en", first_name="Grace")
    with mailer.consumer(), mailer.worker():
        wait_until(lambda: mailer.count() >= 2, what="two emails")
        messages = mailer.messages()
        (confirm,) = _to(messages, "awa@example.org")
        (welcome,) = _to(messages, "grace@example.org")
        assert confirm["subject"] == (
            "Confirmez votre inscription à «\u00a0Femmes du numérique\u00a0»"
        )
        assert "Bonjour Awa," in confirm["text"]
        assert welcome["subject"] == "Thank you for supporting “Women in digital”"
        assert "Hello Grace," in welcome["text"]
        recipient = {"campaign_id": double["id"]}
        assert "confirmed_at" not in mailer.one("recipients", recipient)
        with httpx.Client(timeout=15) as c:
            confirm_link = _link(confirm, "confirm")
            page = c.get(confirm_link)
            assert page.status_code == 200
            assert "<form" in page.text
            assert c.post(confirm_link).status_code == 200
            for message in (confirm, welcome):
                unsubscribe_link = _link(message, "unsubscribe")
                assert message["headers"]["List-Unsubscribe"] == f"<{unsubscribe_link}>"
                assert c.get(unsubscribe_link).status_code == 200
        # The confirmation travels back through Kafka (signup.confirmed) to the recipient.
        wait_until(
            lambda: mailer.db["recipients"].find_one(
                {**recipient, "confirmed_at": {"$exists": True}}
            ),
            what="the recipient confirmed",
        )
    assert mailer.count() == 2  # one email each, nothing more


def test_signups_with_and_without_their_own_links_get_links_that_work(
    signup: SignupService, mailer: Mailer, shared_settings: SharedSettings
) -> None:
    """A signup of schema version 2 carries no links: the mailer mints them with the signup
    service's keys. One of version 1 (still in a topic after the upgrade) carries the links the
    signup service minted then: its confirm link is mailed as it is, its unsubscribe link minted
    anew by the worker, of the same claims. All open at the signup service."""
    campaign = signup.create_campaign(double_opt_in=True)
    on_campaign = {"campaign_id": campaign["id"], "campaign_slug": campaign["slug"]}
    new = signed(**on_campaign, double_opt_in=True, supporter_key="k-new", email="new@example.org")
    assert (new.schema_version, new.confirm_token, new.unsubscribe_token) == (2, None, None)
    minted_then = Tokens(signup.token_keys, confirm_max_age_s=86_400)
    old_id = uuid.uuid4()
    old = signed(
        **on_campaign,
        schema_version=1,
        signup_id=old_id,
        double_opt_in=True,
        supporter_key="k-old",
        email="old@example.org",
        confirm_token=minted_then.confirm_token(ConfirmClaim(old_id, campaign["id"], "k-old")),
        unsubscribe_token=minted_then.unsubscribe_token(
            UnsubscribeClaim("old@example.org", campaign["id"])
        ),
    )
    asyncio.run(publish(shared_settings, new, old, key=campaign["id"]))
    with mailer.consumer(), mailer.worker():
        wait_until(lambda: mailer.count() >= 2, what="two confirmation emails")
        messages = mailer.messages()
        (to_new,) = _to(messages, "new@example.org")
        (to_old,) = _to(messages, "old@example.org")
        assert _link(to_old, "confirm").endswith(f"/confirm/{quote(str(old.confirm_token))}")
        leave = _token(_link(to_old, "unsubscribe"))
        assert minted_then.read_unsubscribe(leave) == minted_then.read_unsubscribe(
            str(old.unsubscribe_token)
        )
        with httpx.Client(timeout=15) as c:
            for message in (to_new, to_old):
                confirmed = c.post(_link(message, "confirm"), headers={"Accept-Language": "en"})
                assert confirmed.status_code == 200
                assert "<h1>Confirmed!</h1>" in confirmed.text
                one_click = message["headers"]["List-Unsubscribe"].strip("<>")
                left = c.post(one_click, data={"List-Unsubscribe": "One-Click"})
                assert left.status_code == 200
        # Each confirmation names its own signup, back through Kafka to its recipient.
        confirmed_keys = {"campaign_id": campaign["id"], "confirmed_at": {"$exists": True}}
        wait_until(
            lambda: mailer.db["recipients"].count_documents(confirmed_keys) == 2,
            what="both recipients confirmed",
        )
        wait_until(
            lambda: mailer.db["suppressions"].count_documents({}) == 2, what="both unsubscribed"
        )
    prefix = signup.shared.topic_prefix
    confirmations = asyncio.run(
        read_events(signup.shared.kafka_bootstrap, prefix + SignupConfirmed.topic, prefix, count=2)
    )
    assert {
        (e.signup_id, e.supporter_key) for e in confirmations if isinstance(e, SignupConfirmed)
    } == {(new.signup_id, "k-new"), (old_id, "k-old")}


def test_one_click_unsubscribe_stops_the_next_newsletter(
    signup: SignupService, mailer: Mailer, shared_settings: SharedSettings
) -> None:
    campaign = signup.create_campaign(double_opt_in=False)
    people = {f"p{n}@example.org": "en" if n % 2 else "fr" for n in range(4)}
    for email, locale in people.items():
        signup.pledge(campaign, email=email, locale=locale)
    signup.pledge(campaign, email="quiet@example.org", newsletter_opt_in=False)

    def mailing(api: str, n: int) -> tuple[set[str], dict[str, Any]]:
        subject = LocalisedText(fr=f"Nouvelles {n}", en=f"News {n}")
        event = mailing_requested(campaign["id"], subject=subject)
        asyncio.run(publish(shared_settings, event, key=campaign["id"]))
        url = f"{api}/api/v1/mailings/{event.mailing_id}"
        progress: dict[str, Any] = wait_until(
            lambda: (p := httpx.get(url, headers=ORGANISER).json()).get("status") == "done" and p,
            what=f"mailing {n} done",
        )
        subjects = {f"Nouvelles {n}", f"News {n}"}
        return {m["to"][0] for m in mailer.messages() if m["subject"] in subjects}, progress

    with mailer.consumer(), mailer.worker(), mailer.api() as api:
        wait_until(lambda: mailer.count() >= 5, what="five welcome emails")
        got, progress = mailing(api, 1)
        assert got == set(people)
        assert progress["sent"] == 4
        assert progress["queued"] == progress["suppressed"] == 0
        newsletter = next(m for m in mailer.messages() if m["subject"] == "Nouvelles 1")
        assert "Bonjour Awa" in newsletter["text"]
        headers = newsletter["headers"]
        assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        one_click = headers["List-Unsubscribe"].strip("<>")
        assert one_click == _link(newsletter, "unsubscribe")  # the visible link too
        leaving = newsletter["to"][0]
        # What a mail client does for RFC 8058 one-click.
        done = httpx.post(one_click, data={"List-Unsubscribe": "One-Click"}, timeout=15)
        assert done.status_code == 200
        suppression = wait_until(
            lambda: mailer.db["suppressions"].find_one({}), what="the suppression"
        )
        assert suppression["source"] == "one_click"
        assert suppression["reason"] == "unsubscribe"
        assert leaving not in str(suppression)  # a keyed hash, not the address
        got, progress = mailing(api, 2)
        assert got == set(people) - {leaving}
        assert (progress["sent"], progress["suppressed"], progress["failed"]) == (3, 1, 0)
        # Accepted by the mailings API (its own record) and not planned yet.
        requested = str(uuid.uuid4())
        mailer.db["mailing_requests"].insert_one({"_id": requested, "campaign_id": campaign["id"]})
        assert httpx.get(f"{api}/api/v1/mailings/{requested}").status_code == 401
        assert httpx.get(f"{api}/api/v1/mailings/{requested}", headers=ORGANISER).json() == {
            "mailing_id": requested,
            "campaign_id": campaign["id"],
            "status": "requested",
            "queued": 0,
            "sent": 0,
            "failed": 0,
            "suppressed": 0,
        }
        assert httpx.get(f"{api}/api/v1/mailings/not-an-id", headers=ORGANISER).status_code == 422
        missing = httpx.get(f"{api}/api/v1/mailings/{uuid.uuid4()}", headers=ORGANISER)
        assert missing.status_code == 404
        assert "detail" in missing.json()


def test_newsletters_carry_unsubscribe_links_the_worker_mints_as_it_sends(
    signup: SignupService, mailer: Mailer, shared_settings: SharedSettings
) -> None:
    """Neither the recipient documents nor the queued tasks hold an unsubscribe link: the worker
    mints each as it sends (they never expire), with the signup service's keys, and one click
    on it unsubscribes its reader. A task queued by an earlier version, its recipient's token
    included, is sent with that token."""
    campaign = signup.create_campaign(double_opt_in=False)
    people = ["ada@example.org", "binta@example.org"]
    for email in people:
        signup.pledge(campaign, email=email, locale="fr")
    letter = mailing_requested(campaign["id"], subject=LocalisedText(fr="Lettre", en="Letter"))
    ours = {"campaign_id": campaign["id"]}
    with mailer.consumer():
        wait_until(
            lambda: mailer.db["recipients"].count_documents(ours) == 2, what="both recipients"
        )
        asyncio.run(publish(shared_settings, letter, key=campaign["id"]))
        wait_until(
            lambda: mailer.db["mailings"].find_one({"planned_at": {"$exists": True}, **ours}),
            what="the newsletter planned",
        )
    # No worker yet: the two welcomes and the newsletter's batch wait in Redis.
    queued = _queued(mailer)
    assert sorted(p["kind"] for p in queued) == ["newsletter", "welcome", "welcome"]
    assert [r for p in queued for r in p["recipients"] if "unsubscribe_token" in r] == []
    assert mailer.db["recipients"].count_documents({"unsubscribe_token": {"$exists": True}}) == 0
    # A newsletter batch the previous version queued: its recipient's token minted then.
    keys = Tokens(signup.token_keys, confirm_max_age_s=86_400)
    ada = mailer.one("recipients", {**ours, "email": "ada@example.org"})
    minted_then = keys.unsubscribe_token(UnsubscribeClaim("ada@example.org", campaign["id"]))
    earlier = {
        "kind": "newsletter", "batch_id": f"{uuid.uuid4()}:p:0", "campaign_id": campaign["id"],
        "mailing_id": str(uuid.uuid4()), "campaign_title": {"fr": "F", "en": "F"},
        "subject": {"fr": "Ancienne", "en": "Old"}, "body_template": {"fr": "Bonjour", "en": "Hi"},
        "recipients": [{
            "email": ada["email"], "first_name": ada["first_name"], "locale": "fr",
            "supporter_key": ada["supporter_key"], "unsubscribe_token": minted_then,
            "email_hash": ada["email_hash"], "signed_at": None, "confirm_token": None,
            "signup_id": None,
        }],
    }  # fmt: skip
    queue = create_celery(Settings(celery_queue=mailer.queue, shared=shared_settings))
    queue.send_task(SEND_BATCH, args=[earlier], queue=mailer.queue)
    queue.close()
    with mailer.consumer(), mailer.worker():
        wait_until(lambda: mailer.count() >= 5, what="two welcomes, two letters, the old one")
        messages = mailer.messages()
        (old,) = [m for m in messages if m["subject"] == "Ancienne"]
        assert _token(_link(old, "unsubscribe")) == minted_then
        letters = {m["to"][0]: m for m in messages if m["subject"] == "Lettre"}
        assert sorted(letters) == people
        for email, message in letters.items():
            one_click = message["headers"]["List-Unsubscribe"].strip("<>")
            assert one_click == _link(message, "unsubscribe")
            claim = keys.read_unsubscribe(_token(one_click))
            assert claim == UnsubscribeClaim(email, campaign["id"])
        one_click = letters["binta@example.org"]["headers"]["List-Unsubscribe"].strip("<>")
        done = httpx.post(one_click, data={"List-Unsubscribe": "One-Click"}, timeout=15)
        assert done.status_code == 200
        suppression = wait_until(
            lambda: mailer.db["suppressions"].find_one({}), what="the suppression"
        )
        assert (suppression["source"], suppression["scope"]) == ("one_click", campaign["id"])
        binta = mailer.one("recipients", {**ours, "email": "binta@example.org"})
        assert suppression["email_hash"] == binta["email_hash"]
    assert mailer.count() == 5
