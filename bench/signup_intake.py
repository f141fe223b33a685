"""Signup intake on one process: signup-api (validation, campaign rules, Kafka acks=all)
against a bare FastAPI endpoint taking the same JSON body, all loaded by wrk in the same run: the
bare endpoint taking the body as it comes (the target's baseline), and a second one validating
it as the spec asks (pydantic's EmailStr, ISO country, locales), so that the table also says how
much of the gap is the validation any intake must do."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import httpx
from cryptography.fernet import Fernet

from bench.harness import Memory, Report, Result, answers, cpu_seconds, peak_rss_mb, wrk
from devstack.config import StackConfig
from devstack.harness.processes import Running, free_port, service_env
from devstack.procs import wait_until
from mobilise_runtime.settings import SharedSettings

CONNECTIONS = 32
SECONDS = 10
ADMIN = "bench-admin"
# The bare app's endpoint that validates the pledge (bench/bare_app.py).
VALIDATED = "/validated"

# Each request a different supporter, like real traffic.
WRK_SCRIPT = """
counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{"email":"supporter%d@example.org","first_name":"Awa",'
    .. '"last_name":"Diop","country":"SN","region":"SN-DK","locale":"fr",'
    .. '"newsletter_opt_in":true,"consent_text_version":"%s"}', counter, "VERSION")
  return wrk.format("POST", "PATH", {["Content-Type"] = "application/json"}, body)
end
"""


def _wrk(url: str, path: str, version: str) -> float:
    script = WRK_SCRIPT.replace("VERSION", version).replace("PATH", path)
    return wrk(url, connections=CONNECTIONS, seconds=SECONDS, script=script)


def _measured(server: Running, url: str, path: str, version: str) -> tuple[float, float]:
    """Requests/s, and requests per CPU-second of the server's process: on a machine shared
    with other work each process gets what the scheduler leaves it, so throughput swings from
    run to run while the CPU a request costs stays put."""
    before = cpu_seconds(server.process.pid)
    rate = _wrk(url, path, version)
    return rate, rate * SECONDS / max(cpu_seconds(server.process.pid) - before, 0.01)


def start_signup_and_baseline(
    cfg: StackConfig, prefix: str, baseline_app: str, **env: str
) -> tuple[Running, str, Running, str]:
    """A signup-api process on this run's topics and a database of its own, and a bare app
    (`module:app`, served by uvicorn) with the same environment; both answering. Each is
    (process, URL); the caller stops them."""
    shared = SharedSettings(
        kafka_bootstrap=cfg.kafka_bootstrap,
        mongo_url=cfg.mongo_url,
        redis_url=cfg.redis_url,
        topic_prefix=prefix,
        log_level="WARNING",
    )
    port, bare_port = free_port(), free_port()
    environment = service_env(
        shared,
        SIGNUP_PORT=str(port),
        SIGNUP_MONGO_DATABASE=f"bench_{uuid.uuid4().hex[:8]}",
        SIGNUP_TOKEN_KEYS=Fernet.generate_key().decode(),
        SIGNUP_SUPPORTER_KEY_SECRET="bench",
        MOBILISE_ADMIN_TOKEN=ADMIN,
        MOBILISE_LOG_LEVEL="WARNING",
        **env,
    )
    ours = Running([str(Path(sys.executable).parent / "signup-api")], environment)
    bare = Running(
        [sys.executable, "-m", "uvicorn", baseline_app, "--port", str(bare_port),
         "--log-level", "warning", "--no-access-log"],
        environment,
    )  # fmt: skip
    url, bare_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{bare_port}"
    try:
        wait_until(lambda: answers(f"{url}/readyz"), timeout=60, what="signup-api")
        wait_until(lambda: answers(f"{bare_url}/docs"), timeout=60, what=baseline_app)
    except BaseException:
        ours.stop()
        bare.stop()
        raise
    return ours, url, bare, bare_url


def run(cfg: StackConfig, prefix: str, report: Report) -> None:
    ours, url, bare, bare_url = start_signup_and_baseline(cfg, prefix, "bench.bare_app:app")
    try:
        version = "bench-1"
        auth = {"Authorization": f"Bearer {ADMIN}"}
        with httpx.Client(base_url=url, headers=auth) as c:
            text = {"fr": "J'accepte.", "en": "I agree."}
            c.post("/api/v1/consent-texts", json={"version": version, "text": text})
            c.post(
                "/api/v1/campaigns",
                json={
                    "slug": "bench",
                    "kind": "pledge",
                    "title": {"fr": "Banc", "en": "Bench"},
                    "goal": 1_000_000,
                    "consent_text_versions": [version],
                    # wrk is one client: the limits are taken (a Redis call per signup, as in
                    # production) but never refuse, so that every request is a real signup.
                    "limits": {
                        "address": {"hard": 1_000_000, "per_hour": 10_000_000},
                        "supporter": {"hard": 1_000_000, "per_hour": 10_000_000},
                    },
                },
            ).raise_for_status()
        path = "/api/v1/campaigns/bench/pledges"
        _wrk(bare_url, path, version)  # warm-up, each
        _wrk(bare_url, VALIDATED + path, version)
        _wrk(url, path, version)
        baseline, baseline_cpu = _measured(bare, bare_url, path, version)
        measured, measured_cpu = _measured(ours, url, path, version)
        validated = _wrk(bare_url, VALIDATED + path, version)
        report.add(
            Result(
                "signup intake, one process, 32 connections", "req/s", baseline, measured, "≥ 60 %"
            )
        )
        report.add(
            Result(
                "same run vs a bare endpoint validating the body as the spec asks (pydantic "
                "model: EmailStr, ISO country, locales, unknown fields refused)",
                "req/s",
                validated,
                measured,
                "—",
            )
        )
        report.add(
            Result(
                "same run, requests per CPU-second of the server process (what a request costs, "
                "whatever share of the cores the machine leaves it): bare endpoint vs signup-api",
                "req/CPU-s",
                baseline_cpu,
                measured_cpu,
                "—",
            )
        )
        load = f"the intake benchmark (wrk, {CONNECTIONS} connections)"
        report.add(Memory("signup-api", load, peak_rss_mb(ours.process.pid)))
    finally:
        ours.stop()
        bare.stop()
