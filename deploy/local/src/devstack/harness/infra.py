"""Faults of the test session's infrastructure (Kafka, FerretDB, Redis: devstack's): a piece
killed or stopped, then started again, for the tests of what the services do meanwhile."""

from __future__ import annotations

import os
import signal

from devstack.config import StackConfig
from devstack.infra import INFRA, Service
from devstack.procs import group_ended, port_open, wait_until
from devstack.stack import up


def _service(name: str) -> Service:
    return next(s for s in INFRA if s.name == name)


def kill_infra(cfg: StackConfig, name: str, sig: signal.Signals = signal.SIGKILL) -> None:
    """`sig` to Kafka, FerretDB or Redis (their whole group), waiting until it is gone."""
    service = _service(name)
    daemon = service.daemon(cfg)
    pid = daemon.pid()
    assert pid is not None, f"{name} is not running"
    os.killpg(pid, sig)
    wait_until(lambda: daemon.pid() is None and group_ended(pid), timeout=60, what=f"{name} ends")
    # A JVM's leader thread shows as a zombie while its other threads, which hold the sockets,
    # are still going away.
    ports = service.ports(cfg)
    wait_until(lambda: not any(port_open(p) for p in ports), timeout=30, what=f"{name} ports")


def restart_infra(cfg: StackConfig, name: str) -> None:
    """Starts it again and waits until it works (devstack's own readiness check)."""
    up(cfg, [name])
