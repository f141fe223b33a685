"""Each service's processes start from their console scripts against the real infrastructure."""

from __future__ import annotations

import json

import pytest
from cryptography.fernet import Fernet

from devstack.harness.processes import free_port, running, service_env
from mobilise_runtime.settings import SharedSettings

SIGNUP_SECRETS = {
    "SIGNUP_TOKEN_KEYS": Fernet.generate_key().decode(),
    "SIGNUP_SUPPORTER_KEY_SECRET": "test",
}
APIS = [
    ("signup-api", "SIGNUP", {"kafka", "mongo", "redis"}),
    ("counter-api", "COUNTER", {"mongo"}),
    ("mailer-api", "MAILER", {"kafka", "mongo", "redis"}),
]


@pytest.mark.parametrize(("script", "prefix", "checks"), APIS, ids=[a[0] for a in APIS])
def test_api_is_alive_ready_and_measured(
    shared_settings: SharedSettings, unique: str, script: str, prefix: str, checks: set[str]
) -> None:
    port = free_port()
    env = service_env(
        shared_settings,
        **SIGNUP_SECRETS,
        **{f"{prefix}_PORT": str(port), f"{prefix}_MONGO_DATABASE": f"t_{unique}"},
    )
    with running(script, env) as api:
        base = f"http://127.0.0.1:{port}"
        assert api.wait_http(f"{base}/healthz").json() == {"status": "ok"}
        ready = api.wait_http(f"{base}/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json() == {"status": "ready", "checks": dict.fromkeys(checks, "ok")}
        metrics = api.wait_http(f"{base}/metrics").text
        assert f'route="/readyz",service="{script}",status="200"' in metrics
    # Logs are JSON, one object a line, naming the service.
    records = [json.loads(line) for line in api.lines if line.startswith("{")]
    assert records
    assert {r["service"] for r in records} == {script}


def test_readiness_fails_and_says_why_when_mongo_is_unreachable(
    shared_settings: SharedSettings,
) -> None:
    port = free_port()
    dead = f"mongodb://127.0.0.1:{free_port()}/"
    env = service_env(
        shared_settings,
        **SIGNUP_SECRETS,
        SIGNUP_PORT=str(port),
        MOBILISE_MONGO_URL=dead,
        MOBILISE_PROBE_TIMEOUT="1",
    )
    with running("signup-api", env) as api:
        ready = api.wait_http(f"http://127.0.0.1:{port}/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["kafka"] == "ok"
        assert ready.json()["checks"]["mongo"] != "ok"


@pytest.mark.parametrize(
    ("script", "group_env"),
    [("counter-consumer", "COUNTER_CONSUMER_GROUP"), ("mailer-consumer", "MAILER_CONSUMER_GROUP")],
)
def test_consumer_joins_its_group_and_stops_cleanly(
    shared_settings: SharedSettings, unique: str, script: str, group_env: str
) -> None:
    port = free_port()
    env = service_env(
        shared_settings,
        MAILER_EMAIL_HASH_KEY="test-key",
        MAILER_TOKEN_KEYS=Fernet.generate_key().decode(),
        MOBILISE_METRICS_PORT=str(port),
        **{group_env: f"{script}-{unique}"},
    )
    with running(script, env) as consumer:
        consumer.wait_for("partitions assigned", timeout=60)
        # The dead-letter counter is there to alert on, though the process serves no API.
        metrics = consumer.wait_http(f"http://127.0.0.1:{port}/metrics")
        assert "mobilise_events_dead_lettered_total" in metrics.text
    assert consumer.process.returncode == 0
    assert "consumer stopped" in consumer.output()
