"""The hosted campaign page as a CDN sees it, against a real signup-api (Kafka, FerretDB, Redis):
compressed, public for a short while with an ETag (304 on If-None-Match), rendered once per
process for a crowd, and holding nothing of any one viewer — a form's values and errors, a
proof-of-work challenge — which only ever travel in answers no cache may keep."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from devstack.harness.signup import SignupService, page_form, signup_api
from mobilise_runtime.settings import SharedSettings
from tests.counter_totals import counter_totals, totals_of

ALWAYS_PROOF = {"address": {"soft": 0, "hard": 100, "per_hour": 100}}


class AskedTotals(dict[str, dict[str, Any]]):
    """The counter stand-in's totals, counting how often it was asked."""

    asked = 0

    def get(self, key: str, default: Any = None) -> Any:
        self.asked += 1
        return super().get(key, default)


@pytest.fixture
def totals() -> AskedTotals:
    return AskedTotals()


@pytest.fixture
def signup(
    shared_settings: SharedSettings, unique: str, totals: AskedTotals
) -> Iterator[SignupService]:
    with (
        counter_totals(totals) as counter,
        signup_api(shared_settings, f"signup_{unique}", SIGNUP_COUNTER_URL=counter) as service,
    ):
        yield service


def client(signup: SignupService) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=signup.url, timeout=15)


async def test_the_page_is_public_briefly_with_an_etag_and_compressed(
    signup: SignupService,
) -> None:
    slug = signup.create_campaign()["slug"]
    async with client(signup) as c:
        page = await c.get(f"/c/{slug}", headers={"Accept-Encoding": "gzip"})
        assert page.status_code == 200
        cache_control = page.headers["cache-control"]
        assert cache_control.startswith("public, max-age=")
        assert "stale-while-revalidate=" in cache_control
        assert page.headers["content-encoding"] == "gzip"
        vary = {v.strip().lower() for v in page.headers["vary"].split(",")}
        assert {"accept-language", "accept-encoding"} <= vary
        assert "set-cookie" not in page.headers
        etag = page.headers["etag"]
        assert etag.startswith('W/"')

        again = await c.get(f"/c/{slug}", headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["etag"] == etag
        assert again.headers["cache-control"] == cache_control
        listed = await c.get(f"/c/{slug}", headers={"If-None-Match": f'"x", {etag[2:]}'})
        assert listed.status_code == 304  # weak comparison, any tag of the list
        other = await c.get(f"/c/{slug}", headers={"If-None-Match": 'W/"another"'})
        assert other.status_code == 200
        assert other.headers["etag"] == etag

        english = await c.get(f"/c/{slug}", headers={"Accept-Language": "en"})
        assert english.headers["etag"] != etag
        assert '<html lang="en" dir="ltr">' in english.text

        # Without Accept-Encoding, the same page, plain.
        raw = await c.get(f"/c/{slug}", headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in raw.headers
        assert raw.content == page.content
        stylesheet = await c.get("/static/signup.css", headers={"Accept-Encoding": "gzip"})
        assert stylesheet.headers["content-encoding"] == "gzip"
        assert len(gzip.compress(stylesheet.content)) < len(stylesheet.content) / 2

        missing = await c.get("/c/no-such-campaign")
        assert missing.status_code == 404
        assert "public" not in missing.headers["cache-control"]


async def test_a_crowd_of_viewers_renders_the_page_once(
    signup: SignupService, totals: AskedTotals
) -> None:
    slug = signup.create_campaign()["slug"]
    totals[slug] = totals_of(slug, goal=1000, signed=10)
    async with client(signup) as c:
        pages = await asyncio.gather(*(c.get(f"/c/{slug}?lang=fr") for _ in range(40)))
    assert {p.status_code for p in pages} == {200}
    assert len({p.content for p in pages}) == 1
    # One render, so one question to the counter for its number, whatever the crowd.
    assert totals.asked == 1


async def test_nothing_of_one_viewer_reaches_the_kept_page(signup: SignupService) -> None:
    campaign = signup.create_campaign(limits=ALWAYS_PROOF)
    slug, version = campaign["slug"], campaign["consent"]["version"]
    async with client(signup) as c:
        before = await c.get(f"/c/{slug}?lang=en")
        # A form with a mistake: its values come back, for its sender only.
        refused = await c.post(
            f"/c/{slug}?lang=en",
            data={"consent_text_version": version, "email": "awa.diop@example.org"},
            headers={"X-Forwarded-For": "198.51.100.7"},
        )
        assert refused.status_code == 422
        assert "awa.diop@example.org" in refused.text
        assert refused.headers["cache-control"] == "no-store"
        assert "etag" not in refused.headers
        # A whole form past the soft limit: a challenge, for this sender only.
        challenged = await c.post(
            f"/c/{slug}?lang=en",
            data=page_form(version),
            headers={"X-Forwarded-For": "198.51.100.8"},
        )
        assert challenged.status_code == 428
        assert challenged.headers["cache-control"] == "no-store"
        # Other viewers, from elsewhere, with other browsers: the very same page as before.
        for n in range(3):
            viewer = {"X-Forwarded-For": f"203.0.113.{n}", "User-Agent": f"phone {n}"}
            after = await c.get(f"/c/{slug}?lang=en", headers=viewer)
            assert after.content == before.content
            assert after.headers["etag"] == before.headers["etag"]
        assert "awa.diop" not in before.text
