"""`make run`'s stack (devstack run) on a machine of its own: its own state folder and ports,
so it installs nothing new but starts its own Kafka, FerretDB and Redis, then every service."""

from __future__ import annotations

import base64
import os
import shutil
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_private_key

from devstack.config import StackConfig
from devstack.harness.processes import SCRIPTS, Running, free_port
from devstack.partner_demo import DEMO_CAMPAIGN, DEMO_PARTNER
from devstack.procs import start_time


def _descendants(root: int) -> dict[int, str | None]:
    """Every process under `root`, with its start time (a pid can be reused once it is gone)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            pid_text, rest = stat.read_text().split(" ", 1)
            parent = int(rest.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(pid_text))
    found: dict[int, str | None] = {}
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found[child] = start_time(child)
            todo.append(child)
    return found


def _alive(pid: int, started: str | None) -> bool:
    """Still running (not a zombie) and still the same process."""
    return started is not None and start_time(pid) == started


@pytest.fixture
def run_state() -> Iterator[Path]:
    """A state folder in the checkout's own: under MOBILISE_STORE=postgresql as root, PostgreSQL
    runs as the `postgres` user, who may not enter pytest's private temporary folders."""
    folder = StackConfig.from_env().state / f"e2e-run-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_run_starts_everything_and_ctrl_c_leaves_nothing_behind(run_state: Path) -> None:
    ports = {
        "SIGNUP_PORT": free_port(),
        "COUNTER_PORT": free_port(),
        "MAILER_PORT": free_port(),
        "MOBILISE_KAFKA_PORT": free_port(),
        "MOBILISE_KAFKA_CONTROLLER_PORT": free_port(),
        "MOBILISE_MONGO_PORT": free_port(),
        "MOBILISE_FERRETDB_DEBUG_PORT": free_port(),
        "MOBILISE_REDIS_PORT": free_port(),
        "MOBILISE_POSTGRES_PORT": free_port(),
        "MOBILISE_SENDGRID_PORT": free_port(),
        "PARTNER_DEMO_PORT": free_port(),
    }
    env = {
        **os.environ,
        **{k: str(v) for k, v in ports.items()},
        "MOBILISE_STATE": str(run_state),
        "MOBILISE_ADMIN_TOKEN": "e2e-token-from-the-environment",
    }
    scale = ["--scale", "counter-consumer=2", "--scale", "signup-api=2"]
    stack = Running([str(SCRIPTS / "devstack"), "run", *scale], env)
    try:
        stack.wait_for("mobilise is running", timeout=240)
        output = stack.output()
        assert "e2e-token-from-the-environment" in output
        for name in ("SIGNUP_PORT", "COUNTER_PORT", "MAILER_PORT"):
            url = f"http://127.0.0.1:{ports[name]}"
            assert url in output
            ready = httpx.get(f"{url}/readyz", timeout=5)
            assert ready.status_code == 200, ready.text
        _mailer_dev_views(f"http://127.0.0.1:{ports['MAILER_PORT']}", output, run_state)
        # The demo partner's site, on an origin of its own, registered for the demo campaign.
        demo = f"http://127.0.0.1:{ports['PARTNER_DEMO_PORT']}"
        assert f"{demo}/" in output
        assert "data-mobilise-widget" in httpx.get(demo, timeout=5).text
        partner = httpx.get(
            f"http://127.0.0.1:{ports['SIGNUP_PORT']}/api/v1/partners/{DEMO_PARTNER}",
            headers={"Authorization": "Bearer e2e-token-from-the-environment"},
            timeout=5,
        )
        assert partner.status_code == 200, partner.text
        assert demo in partner.json()["origins"]
        assert partner.json()["campaigns"] == [DEMO_CAMPAIGN]
        processes = _descendants(stack.process.pid)
        # 3 infra servers, 8 service processes with the replicas (and the worker's children).
        assert len(processes) >= 11, processes
        stack.wait_for("counter-consumer.2 ", timeout=60)  # replicas' lines carry their names
        stack.wait_for("signup-api.2 ", timeout=60)
        stack.wait_for("partitions assigned", timeout=60)  # the consumers joined their groups
    finally:
        if stack.process.poll() is None:  # else the failure above says why it ended
            os.kill(stack.process.pid, signal.SIGINT)  # what Ctrl-C sends
        code = stack.process.wait(90)
    assert code == 0, stack.output()[-4000:]
    assert "devstack: stopped" in stack.output()
    deadline = time.monotonic() + 10
    while any(_alive(*p) for p in processes.items()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [p for p in processes.items() if _alive(*p)]


def _mailer_dev_views(mailer: str, banner: str, state: Path) -> None:
    """The outbox is on and in the banner; the webhook takes posts signed with the dev key."""
    assert f"{mailer}/outbox" in banner
    outbox = httpx.get(f"{mailer}/outbox", timeout=10)
    assert outbox.status_code == 200, outbox.text
    secrets = dict(
        line.split("=", 1) for line in (state / "dev-secrets.env").read_text().splitlines()
    )
    key = load_der_private_key(
        base64.b64decode(secrets["MAILER_DEV_WEBHOOK_PRIVATE_KEY"]), password=None
    )
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    body = b'[{"event": "delivered", "email": "a@example.org", "sg_event_id": "e2e-1"}]'
    timestamp = str(int(time.time()))
    signature = key.sign(timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    headers = {
        "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signature).decode(),
        "X-Twilio-Email-Event-Webhook-Timestamp": timestamp,
    }
    posted = httpx.post(f"{mailer}/webhooks/sendgrid", content=body, headers=headers, timeout=10)
    assert posted.status_code == 200, posted.text
