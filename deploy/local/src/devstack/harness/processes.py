"""Runs mobilise's console scripts as real processes, keeping their output for asserts."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from mobilise_runtime.settings import SharedSettings

SCRIPTS = Path(sys.executable).parent


_HANDED_OUT: set[int] = set()
_HANDING_OUT = threading.Lock()


def free_port() -> int:
    """A loopback port free now and never handed out before in this process.

    The kernel may give the same ephemeral port to two bind(0) calls in a row once the first
    socket is closed, and a test that asks for two ports (Kafka's listener and controller) then
    gets one twice."""
    with _HANDING_OUT:
        while True:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port: int = s.getsockname()[1]
            if port not in _HANDED_OUT:
                _HANDED_OUT.add(port)
                return port


def service_env(shared: SharedSettings, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        MOBILISE_KAFKA_BOOTSTRAP=shared.kafka_bootstrap,
        MOBILISE_MONGO_URL=shared.mongo_url,
        MOBILISE_REDIS_URL=shared.redis_url,
        MOBILISE_TOPIC_PREFIX=shared.topic_prefix,
        MOBILISE_LOG_FORMAT="json",
    )
    env.update(extra)
    return env


class Running:
    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            argv,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in line for line in self.lines):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"{text!r} not seen; output:\n{self.output()[-4000:]}")

    def wait_http(self, url: str, timeout: float = 30) -> httpx.Response:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                return httpx.get(url, timeout=2)
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError(f"{url} did not answer; output:\n{self.output()[-4000:]}")

    def stop(self, timeout: float = 20) -> int:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            raise AssertionError(f"did not stop on SIGTERM:\n{self.output()[-4000:]}") from None
        finally:
            self._reader.join(timeout=5)


@contextmanager
def running(script: str, env: dict[str, str]) -> Iterator[Running]:
    process = Running([str(SCRIPTS / script)], env)
    try:
        yield process
    except BaseException:
        # The body's failure is the one to report, not a slow stop after it (still killed).
        with contextlib.suppress(AssertionError):
            process.stop()
        raise
    process.stop()
