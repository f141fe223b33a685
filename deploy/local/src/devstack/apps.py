"""The mobilise processes `make run` starts in the foreground, their environment and their URLs."""

from __future__ import annotations

import base64
import contextlib
import functools
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_der_private_key,
)

from devstack.config import StackConfig
from devstack.output import say
from devstack.procs import group_ended, wait_until

SCRIPTS = Path(sys.executable).parent
LOOPBACK = "127.0.0.1/32,::1/128"


@dataclass(frozen=True)
class App:
    name: str
    # The env var holding its HTTP port, for the APIs.
    port_env: str | None = None
    default_port: int | None = None

    def port(self) -> int | None:
        if self.port_env is None or self.default_port is None:
            return None
        return int(os.environ.get(self.port_env, self.default_port))


APPS = (
    App("signup-api", "SIGNUP_PORT", 8000),
    App("signup-projector"),
    App("counter-api", "COUNTER_PORT", 8001),
    App("counter-consumer"),
    # SendGrid v3 mail-send, locally (devstack.sendgrid_standin): nothing the mailer sends leaves.
    App("sendgrid-standin", "MOBILISE_SENDGRID_PORT", 18025),
    App("mailer-api", "MAILER_PORT", 8002),
    App("mailer-consumer"),
    App("mailer-worker"),
    # A partner's site on an origin of its own, embedding the signup widget (devstack.partner_demo).
    App("partner-demo", "PARTNER_DEMO_PORT", 8003),
    # The organisers' console: a client of the three APIs above.
    App("console-web", "CONSOLE_PORT", 8004),
    # Each owner's retention job, at start and hourly (devstack.retention_schedule).
    App("retention-schedule"),
)


# Dev-only helpers run once; every mobilise process may run several times (`--scale`).
NOT_SCALABLE = {"sendgrid-standin", "partner-demo"}


def parse_scale(values: list[str]) -> dict[str, int]:
    """`--scale NAME=N` options → replicas per process (1 for those not named)."""
    scale = {app.name: 1 for app in APPS}
    for value in values:
        name, _, count = value.partition("=")
        if name not in scale or name in NOT_SCALABLE:
            scalable = ", ".join(n for n in scale if n not in NOT_SCALABLE)
            raise ValueError(f"--scale {value}: the processes that scale are {scalable}")
        if not count.isdigit() or int(count) < 1:
            raise ValueError(f"--scale {value}: give a number of replicas, 1 or more")
        scale[name] = int(count)
    return scale


def replica_names(app: App, count: int) -> list[str]:
    return [app.name] if count == 1 else [f"{app.name}.{i}" for i in range(1, count + 1)]


def dev_webhook_key() -> str:
    """A P-256 private key, base64 PKCS#8 DER: the dev stand-in for SendGrid's signing key."""
    key = ec.generate_private_key(ec.SECP256R1())
    der = key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
    return base64.b64encode(der).decode()


def webhook_public_key(private_key: str) -> str:
    """Its verification key, base64 DER, as SendGrid shows one."""
    key = load_der_private_key(base64.b64decode(private_key), password=None)
    der = key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


# Secrets the services need, generated once per checkout for development (kept in .local/).
DEV_SECRETS: dict[str, Callable[[], str]] = {
    "MOBILISE_ADMIN_TOKEN": lambda: secrets.token_urlsafe(32),
    # A Fernet key is 32 random bytes, url-safe base64.
    "SIGNUP_TOKEN_KEYS": lambda: base64.urlsafe_b64encode(os.urandom(32)).decode(),
    "SIGNUP_SUPPORTER_KEY_SECRET": lambda: secrets.token_urlsafe(32),
    # Signs SendGrid Event Webhook posts in development (the mailer API gets its public half).
    "MAILER_DEV_WEBHOOK_PRIVATE_KEY": dev_webhook_key,
    "MAILER_EMAIL_HASH_KEY": lambda: secrets.token_urlsafe(32),
    "CONSOLE_SESSION_SECRET": lambda: secrets.token_urlsafe(32),
}


def dev_secrets(cfg: StackConfig) -> dict[str, str]:
    """This checkout's generated secrets; a variable set in the environment wins."""
    path = cfg.state / "dev-secrets.env"
    kept = dict(
        line.split("=", 1) for line in path.read_text().splitlines() if "=" in line
    ) if path.exists() else {}  # fmt: skip
    missing = {name: make() for name, make in DEV_SECRETS.items() if name not in kept}
    if missing:
        kept.update(missing)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"{k}={v}\n" for k, v in kept.items()))
        path.chmod(0o600)
    return {name: os.environ.get(name) or value for name, value in kept.items()}


def app_environment(cfg: StackConfig, scale: dict[str, int] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    if any(app.port_env and (scale or {}).get(app.name, 1) > 1 for app in APPS):
        # The replicas of an API share its port; the kernel spreads connections over them.
        env["MOBILISE_REUSE_PORT"] = "true"
    env.update(dev_secrets(cfg))
    env.update(
        MOBILISE_KAFKA_BOOTSTRAP=cfg.kafka_bootstrap,
        MOBILISE_MONGO_URL=cfg.mongo_url,
        MOBILISE_REDIS_URL=cfg.redis_url,
    )
    ports = {app.name: app.port() for app in APPS}
    # The services find each other on the ports this run gives them.
    env["SIGNUP_COUNTER_URL"] = f"http://127.0.0.1:{ports['counter-api']}"
    env["COUNTER_SIGNUP_URL"] = f"http://127.0.0.1:{ports['signup-api']}"
    env["MAILER_SIGNUP_API_URL"] = f"http://127.0.0.1:{ports['signup-api']}"
    env["SIGNUP_MAILER_URL"] = f"http://127.0.0.1:{ports['mailer-api']}"  # access requests
    env.setdefault("SIGNUP_PUBLIC_URL", f"http://127.0.0.1:{ports['signup-api']}")
    # Loopback may claim any client address (X-Forwarded-For): how one simulates many clients.
    env.setdefault("SIGNUP_TRUSTED_PROXIES", LOOPBACK)
    env.setdefault("MAILER_SIGNUP_PUBLIC_URL", env["SIGNUP_PUBLIC_URL"])
    env.setdefault("MAILER_CONFIRM_LINK_DAYS", env.get("SIGNUP_CONFIRM_LINK_DAYS", "30"))
    # The mailer mints the links the signup service opens: the same keys.
    env.setdefault("MAILER_TOKEN_KEYS", env["SIGNUP_TOKEN_KEYS"])
    # The mailer sends to the stand-in, which takes any key; a real SendGrid needs both set.
    env.setdefault("MAILER_SENDGRID_HOST", f"http://127.0.0.1:{ports['sendgrid-standin']}")
    env.setdefault("MAILER_SENDGRID_API_KEY", "dev")
    env.setdefault(
        "MAILER_SENDGRID_WEBHOOK_PUBLIC_KEY",
        webhook_public_key(env["MAILER_DEV_WEBHOOK_PRIVATE_KEY"]),
    )
    env.setdefault("MAILER_DEV_OUTBOX", "true")
    console = f"http://127.0.0.1:{ports['console-web']}"
    env.setdefault("SIGNUP_CONSOLE_URL", console)
    env.setdefault("CONSOLE_PUBLIC_URL", console)
    env["CONSOLE_SIGNUP_API_URL"] = f"http://127.0.0.1:{ports['signup-api']}"
    env["CONSOLE_COUNTER_API_URL"] = f"http://127.0.0.1:{ports['counter-api']}"
    env["CONSOLE_MAILER_API_URL"] = f"http://127.0.0.1:{ports['mailer-api']}"
    env.setdefault("CONSOLE_SIGNUP_PUBLIC_URL", env["SIGNUP_PUBLIC_URL"])

    env.setdefault("MOBILISE_LOG_FORMAT", "console")
    return env


class Foreground:
    """Runs the apps with their output interleaved on our stdout, one prefix a process."""

    def __init__(self, env: dict[str, str]) -> None:
        self._env = env
        self._running: dict[str, subprocess.Popen[bytes]] = {}
        self._pumps: list[threading.Thread] = []
        self._width = max(len(a.name) for a in APPS) + 3

    def start(self, app: App, name: str | None = None) -> None:
        """Starts `app`; `name` tells replicas apart (in the output and in `exited`)."""
        process = subprocess.Popen(
            [str(SCRIPTS / app.name)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=self._env,
            start_new_session=True,
        )
        self._running[name or app.name] = process
        assert process.stdout is not None
        pump = threading.Thread(
            target=self._pump, args=(name or app.name, process.stdout), daemon=True
        )
        pump.start()
        self._pumps.append(pump)

    def _pump(self, name: str, stream: IO[bytes]) -> None:
        prefix = f"{name:<{self._width}} | ".encode()
        for line in iter(stream.readline, b""):
            sys.stdout.buffer.write(prefix + line)
            sys.stdout.buffer.flush()

    def exited(self) -> list[tuple[str, int]]:
        return [(n, p.returncode) for n, p in self._running.items() if p.poll() is not None]

    def stop(self, timeout: float = 20.0) -> None:
        for process in self._running.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for name, process in self._running.items():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
                # Its children (a worker's pool) are in its group and may outlive it a moment.
                wait_until(
                    functools.partial(group_ended, process.pid),
                    timeout=max(0.1, deadline - time.monotonic()),
                    what=name,
                    interval=0.05,
                )
            except (subprocess.TimeoutExpired, TimeoutError):
                say(f"{name} did not stop within {timeout:g}s: killed")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        for pump in self._pumps:
            pump.join(timeout=2)


def wait_ready(app: App, exited: Foreground) -> None:
    port = app.port()
    if port is None:
        return

    def ready() -> bool:
        if exited.exited():
            raise RuntimeError(f"{', '.join(n for n, _ in exited.exited())} exited during start-up")
        try:
            return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(ready, timeout=60, what=f"{app.name} /readyz", interval=0.5)
