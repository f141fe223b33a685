"""The hosted campaign page, `GET /c/{slug}`, on one signup-api process, against a bare Jinja
render of the same template with the same context (bench/bare_page.py), both loaded by wrk in
the same run. Plain (no Accept-Encoding) on both sides: what is compared is the work per view."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import httpx
from cryptography.fernet import Fernet

from bench.harness import Report, Result, wrk
from devstack.config import StackConfig
from devstack.harness.processes import Running, free_port, service_env
from devstack.procs import wait_until
from mobilise_runtime.settings import SharedSettings

CONNECTIONS = 32
SECONDS = 10
ADMIN = "bench-admin"
SLUG = "bench-page"


def _ready(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code < 500
    except httpx.TransportError:
        return False


def run(cfg: StackConfig, prefix: str, report: Report) -> None:
    shared = SharedSettings(
        kafka_bootstrap=cfg.kafka_bootstrap,
        mongo_url=cfg.mongo_url,
        redis_url=cfg.redis_url,
        topic_prefix=prefix,
        log_level="WARNING",
    )
    port, bare_port = free_port(), free_port()
    env = service_env(
        shared,
        SIGNUP_PORT=str(port),
        SIGNUP_MONGO_DATABASE=f"bench_{uuid.uuid4().hex[:8]}",
        SIGNUP_TOKEN_KEYS=Fernet.generate_key().decode(),
        SIGNUP_SUPPORTER_KEY_SECRET="bench",
        # No counter answers here: the page goes without its number, on both sides.
        SIGNUP_COUNTER_URL=f"http://127.0.0.1:{free_port()}",
        MOBILISE_ADMIN_TOKEN=ADMIN,
        MOBILISE_LOG_LEVEL="WARNING",
        BENCH_SLUG=SLUG,
    )
    ours = Running([str(Path(sys.executable).parent / "signup-api")], env)
    bare = Running(
        [sys.executable, "-m", "uvicorn", "bench.bare_page:app", "--port", str(bare_port),
         "--log-level", "warning", "--no-access-log"],
        env,
    )  # fmt: skip
    try:
        url, bare_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{bare_port}"
        wait_until(lambda: _ready(f"{url}/readyz"), timeout=60, what="signup-api")
        wait_until(lambda: _ready(f"{bare_url}/docs"), timeout=60, what="bare page app")
        version = "bench-page-1"
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {ADMIN}"}) as c:
            text = {"fr": "J'accepte.", "en": "I agree."}
            c.post("/api/v1/consent-texts", json={"version": version, "text": text})
            c.post(
                "/api/v1/campaigns",
                json={
                    "slug": SLUG,
                    "kind": "volunteer",
                    "title": {"fr": "Femmes du numérique", "en": "Women in digital"},
                    "description": {"fr": "Formons 50 000 femmes.", "en": "Train 50,000."},
                    "goal": 50_000,
                    "consent_text_versions": [version],
                },
            ).raise_for_status()
        page = f"/c/{SLUG}?lang=fr"
        ours_page, bare_page = httpx.get(url + page), httpx.get(bare_url + page)
        assert ours_page.status_code == bare_page.status_code == 200, bare_page.text
        # The same page on both sides, but for the number of bytes a header makes.
        assert abs(len(ours_page.content) - len(bare_page.content)) < 200
        wrk(bare_url + page, connections=CONNECTIONS, seconds=3)  # warm-up, both
        wrk(url + page, connections=CONNECTIONS, seconds=3)
        baseline = wrk(bare_url + page, connections=CONNECTIONS, seconds=SECONDS)
        measured = wrk(url + page, connections=CONNECTIONS, seconds=SECONDS)
        report.add(
            Result(
                "campaign page GET /c/{slug}, one process, 32 connections",
                "req/s",
                baseline,
                measured,
                "≥ 50 %",
            )
        )
    finally:
        ours.stop()
        bare.stop()
