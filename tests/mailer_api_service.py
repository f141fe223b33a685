"""A real `mailer-api` process and devstack's SendGrid stand-in for tests, and calls to them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from mobilise_runtime.settings import SharedSettings
from tests.processes import Running, free_port, running, service_env


@dataclass
class MailerService:
    url: str
    process: Running

    def client(self, token: str | None = None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(base_url=self.url, headers=headers, timeout=30)


@contextmanager
def sendgrid_standin(state: Path) -> Iterator[str]:
    """The stand-in on a port of its own, keeping what it receives under `state`; its URL."""
    port = free_port()
    env = {
        **os.environ,
        "MOBILISE_SENDGRID_PORT": str(port),
        "MOBILISE_STATE": str(state),
        "MOBILISE_LOG_FORMAT": "json",
    }
    with running("sendgrid-standin", env) as process:
        url = f"http://127.0.0.1:{port}"
        assert process.wait_http(f"{url}/readyz").status_code == 200
        yield url


@contextmanager
def mailer_api(shared: SharedSettings, **env: str) -> Iterator[MailerService]:
    """`env`: its MAILER_ settings (database, signup URL, stand-in, webhook key, …)."""
    port = free_port()
    with running("mailer-api", service_env(shared, MAILER_PORT=str(port), **env)) as process:
        url = f"http://127.0.0.1:{port}"
        ready = process.wait_http(f"{url}/readyz", timeout=60)
        assert ready.status_code == 200, ready.text
        yield MailerService(url, process)
