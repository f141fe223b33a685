"""A real `mailer-api` process for tests, and calls to it (the stand-in: tests/mailer_service)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from devstack.harness.processes import Running, free_port, running, service_env
from mobilise_runtime.settings import SharedSettings


@dataclass
class MailerService:
    url: str
    process: Running

    def client(self, token: str | None = None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(base_url=self.url, headers=headers, timeout=30)


@contextmanager
def mailer_api(shared: SharedSettings, **env: str) -> Iterator[MailerService]:
    """`env`: its MAILER_ settings (database, signup URL, stand-in, webhook key, …)."""
    port = free_port()
    with running("mailer-api", service_env(shared, MAILER_PORT=str(port), **env)) as process:
        url = f"http://127.0.0.1:{port}"
        ready = process.wait_http(f"{url}/readyz", timeout=60)
        assert ready.status_code == 200, ready.text
        yield MailerService(url, process)
