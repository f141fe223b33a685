from __future__ import annotations

import base64
import contextlib
import os
import signal
import socket
import sys
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_private_key

from devstack import procs, stack
from devstack.apps import APPS, app_environment, parse_scale, replica_names
from devstack.config import StackConfig
from devstack.infra import INFRA, _kafka_properties
from devstack.procs import Daemon, group_ended, start_time, wait_until
from mailer.domain.webhook import WebhookVerifier, load_verification_key


@pytest.fixture
def cfg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> StackConfig:
    monkeypatch.setenv("MOBILISE_STATE", str(tmp_path / "state"))
    monkeypatch.setenv("MOBILISE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("MOBILISE_KAFKA_PORT", "29092")
    monkeypatch.setenv("MOBILISE_KAFKA_CONTROLLER_PORT", "29093")
    return StackConfig.from_env()


def test_ports_and_folders_come_from_the_environment(cfg: StackConfig, tmp_path: Path) -> None:
    assert cfg.kafka_bootstrap == "127.0.0.1:29092"
    assert cfg.state == tmp_path / "state"
    assert cfg.ferretdb_binary.is_relative_to(tmp_path / "cache")
    assert cfg.kafka_libs.is_relative_to(tmp_path / "cache")


def test_kafka_listens_on_loopback_only(cfg: StackConfig) -> None:
    props = dict(line.split("=", 1) for line in _kafka_properties(cfg).splitlines())
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:29092,CONTROLLER://127.0.0.1:29093"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:29093"
    assert props["auto.create.topics.enable"] == "false"
    assert props["log.dirs"].startswith(str(cfg.state))


def test_daemon_is_found_again_and_stopped_with_its_children(tmp_path: Path) -> None:
    daemon = Daemon("sleeper", tmp_path / "run", tmp_path / "logs")
    assert daemon.pid() is None
    # A parent that starts a child: stop() must end the whole process group.
    script = "import subprocess, time; subprocess.Popen(['sleep', '60']); time.sleep(60)"
    pid = daemon.start([sys.executable, "-c", script], env={}, cwd=tmp_path)
    assert Daemon("sleeper", tmp_path / "run", tmp_path / "logs").pid() == pid
    assert daemon.stop(timeout=5)
    assert daemon.pid() is None
    assert not daemon.pidfile.exists()
    assert group_ended(pid)
    assert not any(
        p.read_text().startswith(f"{pid} ") or _parent(p.parent) == pid
        for p in Path("/proc").glob("[0-9]*/stat")
        if p.exists()
    )


def test_a_daemon_dying_while_it_is_looked_up_is_not_left_a_zombie(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process may die at any moment of `pid()`: here, each time devstack reaps (collects a
    dead child), the daemon dies right after — the worst moment if reaping came before the look at
    /proc. Whatever the moment, once pid() says it is gone, no zombie of it is left."""
    daemon = Daemon("short", tmp_path / "run", tmp_path / "logs")
    pid = daemon.start(["sleep", "60"], env={}, cwd=tmp_path)
    reap = procs._reap

    def reap_then_die(child: int) -> None:
        reap(child)
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)
        wait_until(lambda: start_time(child) is None, timeout=5, what="the kill")

    monkeypatch.setattr(procs, "_reap", reap_then_die)
    while (seen := daemon.pid()) is not None:  # seen alive: it dies now, before the next look
        assert seen == pid
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: start_time(pid) is None, timeout=5, what="the kill")
    assert not Path(f"/proc/{pid}").exists(), "left as a zombie"


def _parent(proc: Path) -> int | None:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def test_a_stale_pid_file_is_not_a_running_process(tmp_path: Path) -> None:
    daemon = Daemon("gone", tmp_path / "run", tmp_path / "logs")
    daemon.run_dir.mkdir(parents=True)
    daemon.pidfile.write_text("1 12345\n")  # pid 1 exists, but started at another time
    assert daemon.pid() is None


def test_make_run_gives_the_mailer_the_public_half_of_a_dev_webhook_key(cfg: StackConfig) -> None:
    env = app_environment(cfg)
    assert env["MAILER_DEV_OUTBOX"] == "true"
    assert env["MAILER_SIGNUP_API_URL"].startswith("http://127.0.0.1:")
    private = load_der_private_key(
        base64.b64decode(env["MAILER_DEV_WEBHOOK_PRIVATE_KEY"]), password=None
    )
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    verifier = WebhookVerifier(
        load_verification_key(env["MAILER_SENDGRID_WEBHOOK_PUBLIC_KEY"]), max_age_s=60
    )
    body, timestamp = b"[]", "1767225600"
    signature = private.sign(timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    verifier.verify(
        signature=base64.b64encode(signature).decode(),
        timestamp=timestamp,
        body=body,
        now=int(timestamp),
    )
    # Kept with the checkout's other secrets: the next run has the same key.
    assert (
        app_environment(cfg)["MAILER_DEV_WEBHOOK_PRIVATE_KEY"]
        == (env["MAILER_DEV_WEBHOOK_PRIVATE_KEY"])
    )


def test_scale_names_replicas_and_lets_api_replicas_share_their_port(
    cfg: StackConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MOBILISE_REUSE_PORT", raising=False)
    scale = parse_scale(["counter-consumer=3", "signup-api=2"])
    assert scale["counter-consumer"] == 3
    assert scale["mailer-worker"] == 1
    apps = {app.name: app for app in APPS}
    assert replica_names(apps["counter-consumer"], 3) == [
        "counter-consumer.1",
        "counter-consumer.2",
        "counter-consumer.3",
    ]
    assert replica_names(apps["mailer-worker"], 1) == ["mailer-worker"]
    assert app_environment(cfg, scale)["MOBILISE_REUSE_PORT"] == "true"
    assert "MOBILISE_REUSE_PORT" not in app_environment(cfg, parse_scale(["counter-consumer=3"]))


@pytest.mark.parametrize(
    "bad", ["partner-demo=2", "nothing=2", "counter-consumer=0", "mailer-worker"]
)
def test_scale_refuses_what_cannot_scale(bad: str) -> None:
    with pytest.raises(ValueError, match="--scale"):
        parse_scale([bad])


def _listening() -> socket.socket:
    held = socket.socket()
    held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    held.bind(("127.0.0.1", 0))
    held.listen()
    return held


def test_a_start_waits_for_the_ports_a_killed_piece_still_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A broker killed with -9 and started again at once: its JVM may hold its port a moment
    after its pid is gone; the start waits for the port (the last run refused it)."""
    held = _listening()
    port = held.getsockname()[1]
    monkeypatch.setenv("MOBILISE_STATE", str(tmp_path / "state"))
    monkeypatch.setenv("MOBILISE_REDIS_PORT", str(port))
    redis = next(s for s in INFRA if s.name == "redis")
    freed = threading.Timer(1.0, held.close)
    freed.start()
    try:
        stack._ports_free(redis, StackConfig.from_env(), within_s=20)
    finally:
        freed.cancel()
        held.close()
    assert freed.finished.is_set()
    assert not procs.port_open(port)


def test_a_port_taken_for_good_is_refused_with_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with contextlib.closing(_listening()) as held:
        monkeypatch.setenv("MOBILISE_STATE", str(tmp_path / "state"))
        monkeypatch.setenv("MOBILISE_REDIS_PORT", str(held.getsockname()[1]))
        redis = next(s for s in INFRA if s.name == "redis")
        with pytest.raises(stack.StackError, match="is taken by a process"):
            stack._ports_free(redis, StackConfig.from_env(), within_s=0.5)
