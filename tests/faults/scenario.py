"""One fault scenario, the same for every fault: half the pledges, then the other half mixed with
confirmations, an unsubscription, a newsletter and an erasure, the fault striking at a seeded
random moment of that second part; then the checker. Returns what supporters saw (for
docs/faults.md) and writes it under MOBILISE_FAULTS_REPORT when set."""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Concatenate, ParamSpec

import httpx

from devstack.harness.mailer import publish
from mobilise_events import (
    Audience,
    LocalisedText,
    MailingRequested,
)
from tests.faults import checker, load
from tests.faults.stack import Stack
from tests.faults.topics import confirmed_so_far, signed_so_far

PLEDGES = 300
TAIL = 80  # of them sent once the fault is over: what supporters see after it
RATE = 40.0  # requests a second: each part lasts a few seconds
OUTAGE_S = 150  # the longest a retried call waits (a broker restart took over 60 s at load 29)
SETTLE_S = 90  # a restarted member waits out the lost one's session (10 s), tasks their requeue
P = ParamSpec("P")


@dataclass
class Measured:
    """What supporters saw and how long the system took to be exact again (docs/faults.md)."""

    scenario: str
    seed: int
    requests: int
    during: int  # requests started while the fault lasted
    refused_during: float  # share of those answered 503 (or not at all)
    p99_during_s: float
    p99_after_s: float  # requests started after the fault ended
    fault_s: float  # from the fault to its end (restart done, SIGCONT sent)
    exact_after_s: float  # from the end of the load until every total was exact
    cut_off: int  # emails given up as "outcome unknown" (a send cut off mid-request)
    exited: list[str]  # processes that exited by themselves (and were started again)


@dataclass
class Campaigns:
    consents: dict[str, str]  # slug → consent version
    double: dict[str, bool]  # slug → double opt-in
    ids: dict[str, str]  # slug → campaign id
    volunteering: frozenset[str]  # the slugs of volunteer campaigns

    @classmethod
    def create(cls, stack: Stack) -> Campaigns:
        made = cls({}, {}, {}, frozenset())
        for double_opt_in, kind in ((True, "pledge"), (False, "pledge"), (True, "volunteer")):
            campaign = stack.signup.create_campaign(double_opt_in=double_opt_in, kind=kind)
            if kind == "volunteer":
                made.volunteering |= {campaign["slug"]}
            made.consents[campaign["slug"]] = campaign["consent"]["version"]
            made.double[campaign["slug"]] = double_opt_in
            made.ids[campaign["slug"]] = campaign["id"]
        with stack.signup.client(organiser=True) as c:
            for key in (p for p in load.PARTNERS if p):
                partner = {
                    "name": key,
                    "key": key,
                    "campaigns": sorted(made.consents),
                    "origins": [f"https://{key}.example"],
                }
                c.post("/api/v1/partners", json=partner).raise_for_status()
        return made


def _p99(seconds: list[float]) -> float:
    if not seconds:
        return 0.0
    ordered = sorted(seconds)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def _retrying(call: Callable[[], httpx.Response], *, what: str) -> httpx.Response:
    """An organiser's or supporter's call, repeated after a 503 or no answer (bounded: longer
    than a broker's restart on a busy machine)."""
    deadline = time.monotonic() + OUTAGE_S
    while True:
        try:
            response = await asyncio.to_thread(call)
            if response.status_code != 503:
                return response
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"{what}: no answer but 503 for {OUTAGE_S} s"
        await asyncio.sleep(0.5)


def _tails_when_failed(
    scenario: Callable[Concatenate[Stack, P], Awaitable[Measured]],
) -> Callable[Concatenate[Stack, P], Awaitable[Measured]]:
    """A failed check prints the end of every process's log first: what the failure needs."""

    async def run(stack: Stack, /, *args: P.args, **kwargs: P.kwargs) -> Measured:
        try:
            return await scenario(stack, *args, **kwargs)
        except AssertionError:
            print(stack.tails())
            raise

    return run


@_tails_when_failed
async def run(
    stack: Stack,
    seed: int,
    name: str,
    fault: Callable[[], None],
    *,
    refusals_allowed: bool = False,
) -> Measured:
    rng = random.Random(seed)
    campaigns = Campaigns.create(stack)
    consents = campaigns.consents
    pledges = load.plan(rng, consents, PLEDGES, campaigns.volunteering)
    first_part, second_part, tail = (
        pledges[: PLEDGES // 2],
        pledges[PLEDGES // 2 : -TAIL],
        pledges[-TAIL:],
    )
    first = await load.run(stack.signup.url, consents, first_part, rate=RATE)
    signed = await signed_so_far(stack)
    # The links of their emails, as the stack's mailer mints them (the signup service's keys);
    # sorted, as the seed says, whatever the order read.
    links = {k: stack.signup.links(e) for k, e in sorted(signed.items())}
    confirms = [
        load.Confirm(slug, email, link.confirm_token)
        for (slug, email), link in links.items()
        if link.confirm_token and rng.random() < 0.5
    ]
    # The erased person and the one who unsubscribes sign in the first part only (a signup after
    # either is a new consent) and confirm nothing.
    later = {(p.campaign, p.email) for p in [*second_part, *tail]}
    confirming = {(c.campaign, c.email) for c in confirms}
    quiet = sorted(k for k in signed if k not in later and k not in confirming)
    news_slug = next(slug for slug, double in campaigns.double.items() if not double)
    leaving = rng.choice([k for k in quiet if k[0] == news_slug and signed[k].newsletter_opt_in])
    erased = rng.choice([k for k in quiet if k != leaving and k[1] != leaving[1]])
    # The newsletter's audience as the mailer knows it before the plan: the first part's opted-in
    # signups of its campaign (but who leaves, and who is erased meanwhile).
    required = {
        k: e.supporter_key
        for k, e in signed.items()
        if k[0] == news_slug and e.newsletter_opt_in and k not in (leaving, erased)
    }
    required_keys = sorted(required.values())
    second: list[load.Pledge | load.Confirm] = [
        *second_part,
        *confirms,
        *rng.sample(confirms, len(confirms) // 5),
    ]
    rng.shuffle(second)
    span = len(second) / RATE
    at = rng.uniform(0.5, span * 0.6)
    news_at, erase_at = rng.uniform(0.2, span * 0.8), rng.uniform(0.2, span * 0.8)
    print(f"seed {seed}: fault at {at:.1f} s, newsletter at {news_at:.1f} s, erasure at "
          f"{erase_at:.1f} s of the second part ({len(second)} requests)")  # fmt: skip

    window: list[float] = []
    erased_at: list[float] = []

    async def strike() -> None:
        await asyncio.sleep(at)
        window.append(time.monotonic())
        await asyncio.to_thread(fault)
        window.append(time.monotonic())

    async def newsletter() -> uuid.UUID:
        await asyncio.sleep(news_at)
        token = links[leaving].unsubscribe_token
        with stack.signup.client() as c:
            left = await _retrying(lambda: c.post(f"/unsubscribe/{token}"), what="unsubscribe")
            assert left.status_code == 200, left.text
        # Planned only once the mailer knows of the unsubscription ("before planning") and of
        # the first part's opted-in signups: those the plan must hold.
        recipients = stack.mailer.db["recipients"]
        known = {"campaign_id": campaigns.ids[news_slug], "supporter_key": {"$in": required_keys}}
        await asyncio.to_thread(
            checker.wait,
            lambda: (
                stack.mailer.db["suppressions"].count_documents({}) > 0
                and recipients.count_documents(known) == len(required_keys)
            ),
            what=f"seed {seed}: the unsubscription and the first part reach the mailer",
            timeout=SETTLE_S,
        )
        mailing = MailingRequested(
            mailing_id=uuid.uuid4(),
            campaign_id=campaigns.ids[news_slug],
            subject=LocalisedText(fr="Nouvelles", en="News"),
            body_template=LocalisedText(fr="Bonjour {{ first_name }}", en="Hi {{ first_name }}"),
            audience=Audience(),
        )
        await _published(stack, mailing)
        return mailing.mailing_id

    async def erase() -> None:
        await asyncio.sleep(erase_at)
        # Asked once the projector has the person's record (it may be the one killed, or lag
        # behind a fault): an erasure asked before would find nothing, and would still erase the
        # record when it came (its tombstone), so that asking again could never find it.
        await asyncio.to_thread(
            checker.wait, lambda: stack.holds_record_of(erased[1]),
            what=f"seed {seed}: the projector has the erased person's record", timeout=SETTLE_S,
        )  # fmt: skip
        with stack.signup.client(organiser=True) as c:
            answer = await _retrying(
                lambda: c.post("/api/v1/supporters/erase", json={"email": erased[1]}),
                what="erasure",
            )
            assert answer.status_code == 202, answer.text
            assert answer.json()["campaigns"], f"seed {seed}: the erasure found the record"
        # From when the mailer knows (its tombstone; the only erasure of the scenario): before,
        # a worker may send what was queued — the mailer cannot know, its consumer may be the
        # one killed.
        await asyncio.to_thread(
            checker.wait, lambda: stack.mailer.db["erasures"].count_documents({}) > 0,
            what=f"seed {seed}: the erasure reaches the mailer", timeout=SETTLE_S, every_s=0.05,
        )  # fmt: skip
        erased_at.append(time.time())  # at most 50 ms after the mailer recorded it

    sending = asyncio.create_task(load.run(stack.signup.url, consents, second, rate=RATE))
    _, mailing_id, _ = await asyncio.gather(strike(), newsletter(), erase())
    middle = await sending
    last = await load.run(stack.signup.url, consents, tail, rate=RATE)
    done = load.Load(first.answers + middle.answers + last.answers)

    statuses = done.statuses()
    wrong = {s: n for s, n in statuses.items() if s not in (200, 202, 503)}
    assert not wrong, f"seed {seed}: answers other than 2xx and 503: {statuses}"
    if not refusals_allowed:
        assert not done.unanswered(), f"seed {seed}: refusals without an outage: {statuses}"
    # A 503 is indeterminate (Jepsen's "info"): the broker may have taken the record before the
    # answer timed out. What the topics hold says which did; a 202 must be there.
    landed = await signed_so_far(stack)
    keys = {(campaigns.ids[slug], email): e.supporter_key for (slug, email), e in landed.items()}
    lost = {(p.campaign, p.email) for p in done.accepted()} - set(landed)
    assert not lost, f"seed {seed}: accepted (202), not in the topic: {sorted(lost)}"
    counted = done.accepted() + [
        p for p in done.refused() if isinstance(p, load.Pledge) and (p.campaign, p.email) in landed
    ]
    confirmed_topic = await confirmed_so_far(stack)
    confirmed = done.confirmed() + [
        c
        for c in done.refused()
        if isinstance(c, load.Confirm)
        and (campaigns.ids[c.campaign], keys[(campaigns.ids[c.campaign], c.email)])
        in confirmed_topic
    ]
    want = {
        slug: checker.expected(counted, confirmed, slug, double_opt_in=double)
        for slug, double in campaigns.double.items()
    }
    exact = await asyncio.to_thread(
        checker.settle, stack.counter_url, want, timeout=SETTLE_S, seed=seed
    )
    excused = {erased, leaving}
    await asyncio.to_thread(
        checker.mails_settle, stack, counted, campaigns.ids, campaigns.double,
        excused=excused, keys=keys, timeout=SETTLE_S, seed=seed,
    )  # fmt: skip
    messages = stack.mailer.messages()
    # Every signup the topics hold is owed its email (a 503 that landed too), as mails_settle
    # waited for; missing only if the mailer gave its send up as unknown.
    owed = checker.owed_emails(counted, campaigns.ids, campaigns.double, excused)
    unsent = checker.cut_off(stack, owed, keys)
    checker.check_mails(messages, counted, campaigns.ids, campaigns.double,
                        excused=excused, unsent=unsent, seed=seed)  # fmt: skip
    news_id = campaigns.ids[news_slug]
    email_of = {key: email for (cid, email), key in keys.items() if cid == news_id}
    planned, given_up = checker.newsletter_plan(stack, str(mailing_id))
    if given_up:
        print(f"seed {seed}: newsletter batches given up as unknown: {len(given_up)} people")
    checker.check_newsletter(
        messages, str(mailing_id),
        required={email for (_, email) in required},
        audience={email for (slug, email), e in landed.items()
                  if slug == news_slug and e.newsletter_opt_in},
        planned={email_of.get(k, f"key {k}") for k in planned},
        given_up={email_of.get(k, f"key {k}") for k in given_up},
        erased=erased[1], unsubscribed=leaving[1], seed=seed,
    )  # fmt: skip
    checker.check_erased(stack, erased[1], seed=seed, timeout=SETTLE_S)
    checker.check_mail_after_erasure(
        messages, erased[1], erased_at[0], lambda m: checker.turn_taken(stack, m), seed=seed
    )
    exited = sorted(stack.restarted)
    assert not exited, f"seed {seed}: exited by themselves (restarted by the suite): {exited}"

    during = [a for a in done.answers if window[0] <= a.started <= window[1]]
    after = last.answers
    measured = Measured(
        scenario=name,
        seed=seed,
        requests=len(done.answers),
        during=len(during),
        refused_during=(sum(a.status in (0, 503) for a in during) / len(during)) if during else 0,
        p99_during_s=_p99([a.seconds for a in during]),
        p99_after_s=_p99([a.seconds for a in after]),
        fault_s=window[1] - window[0],
        exact_after_s=exact,
        cut_off=len(unsent) + len(given_up),
        exited=exited,
    )
    _report(measured)
    return measured


async def _published(stack: Stack, event: MailingRequested) -> None:
    """As the mailer API publishes it (the API is not part of the fault suite), retried while
    Kafka is away."""
    deadline = time.monotonic() + OUTAGE_S
    while True:
        try:
            await asyncio.wait_for(publish(stack.shared, event, key=event.campaign_id), timeout=10)
            return
        except Exception:
            assert time.monotonic() < deadline, "the newsletter was never published"
            await asyncio.sleep(0.5)


def _report(measured: Measured) -> None:
    folder = os.environ.get("MOBILISE_FAULTS_REPORT")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        Path(folder, f"{measured.scenario}.json").write_text(json.dumps(asdict(measured)))
