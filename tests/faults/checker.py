"""The one checker of the fault suite: after the load, the counter's totals must settle (bounded
polling) at exactly what the accepted pledges say — per campaign, country, region, macro-region and
partner; every accepted supporter gets exactly one confirmation (double opt-in) or welcome email;
nobody gets the newsletter twice, nor after unsubscribing; an erased person is in no collection
and gets nothing after the erasure."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx
from pymongo.errors import ConnectionFailure

from counter.domain.m49 import macro_region
from mailer.repository import FINAL, UNKNOWN
from mailer.schemas.specs import email_batch_id
from tests.faults.load import Confirm, Pledge

if TYPE_CHECKING:
    from tests.faults.stack import Stack

Totals = dict[str, Any]
DIMENSIONS = ("by_country", "by_region", "by_macro_region", "by_partner")


def expected(
    accepted: list[Pledge], confirmed: list[Confirm], slug: str, *, double_opt_in: bool
) -> Totals:
    """A supporter (an email) counts once; confirmed once, if the campaign has no double opt-in or
    any confirmation of theirs was accepted."""
    totals: Totals = {"signed": 0, "confirmed": 0, "volunteers": 0, **{d: {} for d in DIMENSIONS}}
    seen: set[str] = set()
    confirming = {c.email for c in confirmed if c.campaign == slug}
    for pledge in accepted:
        if pledge.campaign != slug or pledge.email in seen:
            continue
        seen.add(pledge.email)
        confirms = not double_opt_in or pledge.email in confirming
        moves = {"signed": 1, "confirmed": int(confirms), "volunteers": int(pledge.volunteer)}
        places = {
            "by_country": pledge.country,
            "by_region": pledge.region,
            "by_macro_region": macro_region(pledge.country),
            "by_partner": pledge.partner,
        }
        for name, n in moves.items():
            totals[name] += n
        for dimension, key in places.items():
            if key is None:
                continue
            counts = totals[dimension].setdefault(
                key, {"signed": 0, "confirmed": 0, "volunteers": 0}
            )
            for name, n in moves.items():
                counts[name] += n
    return totals


def shown(counter_url: str, slug: str) -> Totals | None:
    try:
        response = httpx.get(f"{counter_url}/api/v1/campaigns/{slug}/totals", timeout=5)
    except httpx.TransportError:
        return None
    if response.status_code != 200:
        return None
    got = response.json()
    return {
        k: got[k] if k not in DIMENSIONS else _nonzero(got[k])
        for k in ("signed", "confirmed", "volunteers", *DIMENSIONS)
    }


def _nonzero(counts: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    return {key: c for key, c in counts.items() if any(c.values())}


def settle(counter_url: str, want: dict[str, Totals], *, timeout: float, seed: int) -> float:
    """Waits until every campaign shows exactly `want`; returns how long it took. A total above
    what was accepted is a failure at once (a count never goes back down)."""
    started = time.monotonic()
    got: dict[str, Totals | None] = {}
    while True:
        got = {slug: shown(counter_url, slug) for slug in want}
        if got == want:
            return time.monotonic() - started
        for slug, totals in got.items():
            if totals is not None and totals["signed"] > want[slug]["signed"]:
                raise AssertionError(f"seed {seed}: {slug} counts more than accepted: {totals}")
        if time.monotonic() - started > timeout:
            wrong = {slug: (want[slug], got[slug]) for slug in want if got[slug] != want[slug]}
            raise AssertionError(
                f"seed {seed}: totals not exact after {timeout} s (expected, shown): {wrong}"
            )
        time.sleep(0.5)


def wait(
    check: Callable[[], bool], *, what: str, timeout: float = 60, every_s: float = 0.3
) -> None:
    """Until `check` holds, for `timeout` at most. A check that cannot reach the store is "not
    yet": the store may be what the scenario stopped (test_ferretdb_stopped, seed-dependent)."""
    deadline = time.monotonic() + timeout
    while not _holds(check):
        assert time.monotonic() < deadline, f"{what}: not after {timeout} s"
        time.sleep(every_s)


def _holds(check: Callable[[], bool]) -> bool:
    try:
        return check()
    except ConnectionFailure:
        return False


Key = tuple[str, str, str]  # campaign id, email, kind


def _transactional(messages: list[dict[str, Any]]) -> Counter[Key]:
    return Counter(
        (m["custom_args"].get("campaign_id", ""), m["to"][0], m["custom_args"]["kind"])
        for m in messages
        if m["custom_args"]["kind"] != "newsletter"
    )


def owed_emails(
    accepted: list[Pledge],
    ids: dict[str, str],
    double: dict[str, bool],
    excused: set[tuple[str, str]],
) -> set[Key]:
    """The email each accepted supporter (campaign, email) is owed once: a confirmation with
    double opt-in, else a welcome. The `excused` — erased, or unsubscribed — may have had theirs
    before or not (the mailer sends nothing to them once it knows)."""
    return {
        (ids[p.campaign], p.email, "confirmation" if double[p.campaign] else "welcome")
        for p in accepted
        if (p.campaign, p.email) not in excused
    }


def cut_off(stack: Stack, owed: set[Key], keys: dict[tuple[str, str], str]) -> set[Key]:
    """The owed emails whose send was cut off mid-request (a worker killed during it): SendGrid
    has no idempotency key, so the mailer cannot know whether it went and never resends it (at
    most once); the batch is "unknown" and dead-lettered for the organiser to see. `keys`:
    (campaign id, email) → supporter key."""
    unknown = {
        b["_id"]
        for b in stack.mailer.db["mail_batches"].find({"state": UNKNOWN, "mailing_id": None})
    }
    return {
        (campaign, email, kind)
        for campaign, email, kind in owed
        if email_batch_id(kind, campaign, keys[(campaign, email)]) in unknown
    }


def newsletter_plan(stack: Stack, mailing_id: str) -> tuple[set[str], set[str]]:
    """The supporter keys of the newsletter's fixed plan, and those of its batches given up as
    "unknown" (cut off mid-send: the mailer's own record that they may not have gone)."""
    db = stack.mailer.db
    mailing = db["mailings"].find_one({"_id": mailing_id})
    assert mailing is not None, f"the newsletter {mailing_id} was never planned"
    ours = {"mailing_id": mailing_id, "plan": mailing["plan"]}
    states = {b["_id"]: b["state"] for b in db["mail_batches"].find(ours, {"state": 1})}
    planned: set[str] = set()
    given_up: set[str] = set()
    for members in db["mail_batch_members"].find(ours):
        planned |= set(members["supporter_keys"])
        if states[members["_id"]] == UNKNOWN:
            given_up |= set(members["supporter_keys"])
    return planned, given_up


def mails_settle(
    stack: Stack,
    accepted: list[Pledge],
    ids: dict[str, str],
    double: dict[str, bool],
    *,
    excused: set[tuple[str, str]],
    keys: dict[tuple[str, str], str],
    timeout: float,
    seed: int,
) -> None:
    """Waits until every owed email is in the stand-in (or given up as cut off) and no mail is
    left to send."""
    owed = owed_emails(accepted, ids, double, excused)
    batches = stack.mailer.db["mail_batches"]
    missing: set[Key] = owed
    deadline = time.monotonic() + timeout
    while True:
        missing = owed - set(_transactional(stack.mailer.messages())) - cut_off(stack, owed, keys)
        pending = batches.count_documents({"state": {"$nin": sorted(FINAL)}})
        # A plan is written batch by batch: one cut off midway is completed when read again.
        planning = stack.mailer.db["mailings"].count_documents({"planned_at": {"$exists": False}})
        if not missing and not pending and not planning:
            return
        if time.monotonic() > deadline:
            raise AssertionError(
                f"seed {seed}: after {timeout} s, {len(missing)} owed emails never sent "
                f"({sorted(missing)[:5]}…), {pending} batches not done, {planning} mailings "
                "not wholly planned"
            )
        time.sleep(0.5)


def check_mails(
    messages: list[dict[str, Any]],
    accepted: list[Pledge],
    ids: dict[str, str],
    double: dict[str, bool],
    *,
    excused: set[tuple[str, str]],
    unsent: set[Key],
    seed: int,
) -> None:
    """Exactly one of each owed email but the `unsent` ones (cut off); nobody else's, and none
    twice."""
    sent = _transactional(messages)
    owed = owed_emails(accepted, ids, double, excused)
    twice = {k: n for k, n in sent.items() if n > 1}
    assert not twice, f"seed {seed}: emails sent more than once: {twice}"
    missing = owed - set(sent) - unsent
    assert not missing, f"seed {seed}: owed emails never sent: {sorted(missing)}"
    signed = {(ids[p.campaign], p.email) for p in accepted}
    strangers = {k for k in sent if k[:2] not in signed}
    assert not strangers, f"seed {seed}: emails to no accepted signup: {sorted(strangers)}"


def check_newsletter(
    messages: list[dict[str, Any]],
    mailing_id: str,
    *,
    required: set[str],
    audience: set[str],
    planned: set[str],
    given_up: set[str],
    erased: str,
    unsubscribed: str,
    seed: int,
) -> None:
    """The newsletter's plan holds everyone opted in whom the mailer knew before it was planned
    (`required`), nobody outside the campaign's opted-in signups (`audience`), and not who had
    unsubscribed; it went once to each planned person but those of a batch the mailer gave up as
    "unknown" (`given_up`: cut off mid-send, it may or may not have gone) and the erased one (left
    out once erased). Nobody got it twice, whatever was given up, nor outside the plan."""
    got = Counter(m["to"][0] for m in messages if m["custom_args"].get("mailing_id") == mailing_id)
    twice = {email: n for email, n in got.items() if n > 1}
    assert not twice, f"seed {seed}: newsletter recipients mailed twice: {twice}"
    assert unsubscribed not in planned | set(got), (
        f"seed {seed}: {unsubscribed} unsubscribed before the newsletter was planned, "
        f"still {'mailed' if unsubscribed in got else 'planned'}"
    )
    unplanned = required - planned - {erased}
    assert not unplanned, f"seed {seed}: opted in, not in the newsletter's plan: {unplanned}"
    outsiders = planned - audience
    assert not outsiders, f"seed {seed}: newsletter planned for who did not opt in: {outsiders}"
    strangers = set(got) - planned
    assert not strangers, f"seed {seed}: newsletter sent outside its plan: {strangers}"
    missing = planned - set(got) - given_up - {erased}
    assert not missing, f"seed {seed}: planned, never sent the newsletter: {sorted(missing)}"


def check_erased(stack: Stack, email: str, *, seed: int, timeout: float) -> None:
    """Erased: within `timeout`, no document of any of the scenario's databases names them (what
    they were mailed after the erasure: check_mail_after_erasure). Waited for: nothing else
    waits for signup-projector, which may be the process restarted, waiting out its lost
    member's session and its locks before it reads the erasure."""
    deadline = time.monotonic() + timeout
    while True:
        holding = {
            (db, collection)
            for db, collection, document in stack.everything_in()
            if email in json.dumps(document, default=str).lower()
        }
        if not holding:
            return
        assert time.monotonic() < deadline, (
            f"seed {seed}: {email} erased, still in {sorted(holding)}"
        )
        time.sleep(0.5)


def check_mail_after_erasure(
    messages: list[dict[str, Any]],
    email: str,
    recorded_at: float,
    turn_taken: Callable[[dict[str, Any]], float | None],
    *,
    seed: int,
) -> None:
    """No email to an erased person the mailer decided to send once it had recorded the erasure
    (`recorded_at`, wall clock). The erasure is asynchronous (DESIGN: one event every owner
    applies): between its 202 and the mailer's tombstone, what the mailer had queued may still
    go; an email whose send turn (`turn_taken`: the mailer's durable mark that the request
    leaves) was taken before the tombstone may arrive just after it. Nothing else."""
    later = [
        (m["custom_args"]["kind"], m["received_at"], turn_taken(m))
        for m in messages
        if m["to"][0] == email and m["received_at"] > recorded_at
    ]
    decided_later = [
        (kind, at, turn) for kind, at, turn in later if not turn or turn >= recorded_at
    ]
    assert not decided_later, (
        f"seed {seed}: {email} erased (the mailer knew at {recorded_at:.3f}), then sent "
        f"(kind, received, send turn taken): {decided_later}"
    )


def turn_taken(stack: Stack, message: dict[str, Any]) -> float | None:
    """When the send turn of the batch that sent `message` was last taken (wall clock), from the
    mailer's own records (its turns carry no personal data, and outlive an erasure)."""
    args = message["custom_args"]
    key = args["supporter_key"]
    if args["kind"] == "newsletter":
        query = {"mailing_id": args["mailing_id"], "supporter_keys": key}
        members = stack.mailer.db["mail_batch_members"].find(query, {"_id": 1})
        batch_ids = [b["_id"] for b in members]
    else:
        batch_ids = [email_batch_id(args["kind"], args["campaign_id"], key)]
    taken = [
        d["taken_at"].timestamp()
        for d in stack.mailer.db["mail_sends"].find({"batch_id": {"$in": batch_ids}})
    ]
    return max(taken, default=None)
