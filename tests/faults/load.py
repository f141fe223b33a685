"""The one load generator of the fault suite: pledges over several campaigns and places, repeats
mixed in, sent concurrently to a real signup-api; every answer recorded (202, 503, 4xx, or the
connection failing), so that the checker compares what the system shows with what was accepted."""

from __future__ import annotations

import asyncio
import random
import time
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx

PLACES = [("FR", "FR-IDF"), ("FR", None), ("SN", "SN-DK"), ("CI", None), ("CA", "CA-QC")]
# The partners whose widgets bring signups (None: the campaign's own page).
PARTNERS = ("dakar-numerique", "abidjan-code", None)


@dataclass(frozen=True)
class Pledge:
    campaign: str  # slug
    email: str
    country: str
    region: str | None
    newsletter: bool
    partner: str | None = None
    volunteer: bool = False  # a volunteer campaign's registration


@dataclass(frozen=True)
class Confirm:
    """A supporter following the link of their confirmation email."""

    campaign: str  # slug
    email: str
    token: str


@dataclass(frozen=True)
class Answer:
    pledge: Pledge | Confirm
    status: int  # 0: no HTTP answer (connection refused, timeout)
    started: float  # monotonic
    seconds: float


@dataclass
class Load:
    """What was sent and what came back."""

    answers: list[Answer] = field(default_factory=list)

    def accepted(self) -> list[Pledge]:
        return [a.pledge for a in self.answers if a.status == 202 and isinstance(a.pledge, Pledge)]

    def confirmed(self) -> list[Confirm]:
        return [a.pledge for a in self.answers if a.status == 200 and isinstance(a.pledge, Confirm)]

    def refused(self) -> list[Pledge | Confirm]:
        """Answered 503 or not at all: indeterminate, it may have been recorded all the same."""
        return [a.pledge for a in self.answers if a.status in (0, 503)]

    def unanswered(self) -> list[Answer]:
        """Anything but the success of its kind."""
        return [
            a for a in self.answers if a.status != (202 if isinstance(a.pledge, Pledge) else 200)
        ]

    def statuses(self) -> Counter[int]:
        return Counter(a.status for a in self.answers)


MAX_REPEATS = 3
VOLUNTEERING = {"skills": ["mentoring"], "availability": "few_hours_month"}


def plan(
    rng: random.Random,
    campaigns: dict[str, str],
    count: int,
    volunteering: frozenset[str] = frozenset(),
) -> list[Pledge]:
    """`count` signups from about 3/4 as many supporters: a repeat is the same body again (a
    supporter counts once, as their first signup says, so a repeat must not move any total).
    The campaigns in `volunteering` take volunteers."""
    supporters: dict[int, Pledge] = {}
    signed: Counter[int] = Counter()
    pledges: list[Pledge] = []
    slugs = sorted(campaigns)
    for _ in range(count):
        n = rng.randrange(count * 3 // 4)
        # A person signs a few times at most: past MAX_REPEATS, the per-supporter rate limit
        # (hard 5 by default) would refuse them, and rightly.
        while signed[n] >= MAX_REPEATS:
            n = rng.randrange(count * 3 // 4)
        signed[n] += 1
        if n not in supporters:
            country, region = rng.choice(PLACES)
            slug = rng.choice(slugs)
            supporters[n] = Pledge(
                slug,
                f"s{n}@example.org",
                country,
                region,
                rng.random() < 0.5,
                rng.choice(PARTNERS),
                slug in volunteering,
            )
        pledges.append(supporters[n])
    return pledges


async def run(
    url: str,
    consents: dict[str, str],
    pledges: Sequence[Pledge | Confirm],
    *,
    rate: float,
    concurrency: int = 6,
) -> Load:
    """Sends `pledges` (and confirmations) at about `rate` a second, `concurrency` at a time."""
    load = Load()
    queue: asyncio.Queue[Pledge | Confirm] = asyncio.Queue()
    for pledge in pledges:
        queue.put_nowait(pledge)
    interval = concurrency / rate

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            pledge = queue.get_nowait()
            if isinstance(pledge, Confirm):
                started = time.monotonic()
                try:
                    status = (await client.post(f"/confirm/{pledge.token}")).status_code
                except httpx.TransportError:
                    status = 0
                load.answers.append(Answer(pledge, status, started, time.monotonic() - started))
                continue
            body = {
                "email": pledge.email,
                "first_name": "Awa",
                "last_name": "Diop",
                "country": pledge.country,
                "locale": "fr",
                "newsletter_opt_in": pledge.newsletter,
                "consent_text_version": consents[pledge.campaign],
                **({"region": pledge.region} if pledge.region else {}),
                **({"partner": pledge.partner} if pledge.partner else {}),
                **(VOLUNTEERING if pledge.volunteer else {}),
            }
            started = time.monotonic()
            try:
                kind = "volunteers" if pledge.volunteer else "pledges"
                response = await client.post(
                    f"/api/v1/campaigns/{pledge.campaign}/{kind}",
                    json=body,
                    headers={"X-Forwarded-For": client_address(pledge.email)},
                )
                status = response.status_code
            except httpx.TransportError:
                status = 0
            seconds = time.monotonic() - started
            load.answers.append(Answer(pledge, status, started, seconds))
            await asyncio.sleep(max(0.0, interval - seconds))

    async with httpx.AsyncClient(base_url=url, timeout=15) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return load


def client_address(email: str) -> str:
    """Each supporter signs from an address of their own (a header only: the signup service of the
    tests trusts loopback's X-Forwarded-For), so the per-address rate limits, which a real crowd
    spread over many networks never reaches, leave the load alone."""
    n = zlib.crc32(email.encode())
    return f"198.18.{(n >> 8) % 256}.{n % 254 + 1}"
