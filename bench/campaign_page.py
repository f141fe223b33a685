"""The hosted campaign page, `GET /c/{slug}`, on one signup-api process, against a bare Jinja
render of the same template with the same context (bench/bare_page.py), both loaded by wrk in
the same run. Plain (no Accept-Encoding) on both sides: what is compared is the work per view."""

from __future__ import annotations

import httpx

from bench.harness import Report, Result, wrk
from bench.signup_intake import ADMIN, start_signup_and_baseline
from devstack.config import StackConfig
from devstack.harness.processes import free_port
from devstack.harness.signup import campaign_body

CONNECTIONS = 32
SECONDS = 10
SLUG = "bench-page"


def run(cfg: StackConfig, prefix: str, report: Report) -> None:
    ours, url, bare, bare_url = start_signup_and_baseline(
        cfg,
        prefix,
        "bench.bare_page:app",
        # No counter answers here: the page goes without its number, on both sides.
        SIGNUP_COUNTER_URL=f"http://127.0.0.1:{free_port()}",
        BENCH_SLUG=SLUG,
    )
    try:
        version = "bench-page-1"
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {ADMIN}"}) as c:
            text = {"fr": "J'accepte.", "en": "I agree."}
            c.post("/api/v1/consent-texts", json={"version": version, "text": text})
            campaign = campaign_body(version, slug=SLUG, kind="volunteer")
            c.post("/api/v1/campaigns", json=campaign).raise_for_status()
        page = f"/c/{SLUG}?lang=fr"
        ours_page, bare_page = httpx.get(url + page), httpx.get(bare_url + page)
        assert ours_page.status_code == bare_page.status_code == 200, bare_page.text
        # The same page on both sides.
        assert ours_page.content == bare_page.content
        wrk(bare_url + page, connections=CONNECTIONS, seconds=3)  # warm-up, both
        wrk(url + page, connections=CONNECTIONS, seconds=3)
        baseline = wrk(bare_url + page, connections=CONNECTIONS, seconds=SECONDS)
        measured = wrk(url + page, connections=CONNECTIONS, seconds=SECONDS)
        name = "campaign page GET /c/{slug}, one process, 32 connections"
        report.add(Result(name, "req/s", baseline, measured, "≥ 50 %"))
    finally:
        ours.stop()
        bare.stop()
