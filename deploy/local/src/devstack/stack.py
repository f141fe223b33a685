"""Starting, finding and stopping the local infrastructure (idempotent: what runs is reused)."""

from __future__ import annotations

import os
from collections.abc import Iterable

from devstack.config import StackConfig
from devstack.infra import INFRA, Service
from devstack.output import say
from devstack.procs import Daemon, port_open, wait_until


class StackError(RuntimeError):
    """The stack cannot start; the message says why and what to do."""


def _select(names: Iterable[str] | None) -> list[Service]:
    if names is None:
        return list(INFRA)
    wanted = set(names)
    unknown = wanted - {s.name for s in INFRA}
    if unknown:
        raise StackError(f"unknown infrastructure: {', '.join(sorted(unknown))}")
    return [s for s in INFRA if s.name in wanted]


def _log_tail(daemon: Daemon, lines: int = 25) -> str:
    try:
        return "\n".join(daemon.logfile.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _await_ready(service: Service, daemon: Daemon, cfg: StackConfig) -> None:
    first_port = service.ports(cfg)[0]
    wait_until(
        lambda: port_open(first_port) or daemon.pid() is None,
        timeout=90,
        what=f"{service.name} port {first_port}",
    )
    if daemon.pid() is None:
        raise StackError(
            f"{service.name} exited during start-up; the end of {daemon.logfile}:\n"
            f"{_log_tail(daemon)}"
        )
    try:
        service.ready(cfg)
    except Exception as exc:
        raise StackError(
            f"{service.name} does not work: {exc}; the end of {daemon.logfile}:\n"
            f"{_log_tail(daemon)}"
        ) from exc


def up(cfg: StackConfig, names: Iterable[str] | None = None) -> list[str]:
    """Start what is not running, wait until every piece works; return the names it started."""
    services = [s for s in _select(names) if s.wanted(cfg)]
    started: list[tuple[Service, Daemon]] = []
    try:
        for service in services:
            daemon = service.daemon(cfg)
            if daemon.pid() is not None:
                _check_same_settings(service, daemon, cfg)
                continue
            _start(service, daemon, cfg)
            started.append((service, daemon))
        for service in services:
            _await_ready(service, service.daemon(cfg), cfg)
    except BaseException:  # what it started so far is stopped, whatever stopped the start
        for _, daemon in reversed(started):
            daemon.stop()
        raise
    return [service.name for service, _ in started]


# A piece just killed may hold its ports a little longer: a JVM's leader is gone (no pid) while
# its other threads, which hold the sockets, are still going away (a broker killed with -9 and
# started again at once).
PORTS_FREED_WITHIN_S = 30.0


def _ports_free(service: Service, cfg: StackConfig, *, within_s: float) -> None:
    """Waits (bounded) until none of the piece's ports is taken; if one stays taken, says so."""
    busy = [p for p in service.ports(cfg) if port_open(p)]
    if not busy:
        return
    ports = ", ".join(map(str, busy))
    say(f"{service.name}: waiting up to {within_s:g} s for port {ports} to be free")
    try:
        wait_until(lambda: not any(port_open(p) for p in busy), timeout=within_s, what=ports)
    except TimeoutError:
        raise StackError(
            f"{service.name}: port {ports} is taken by a process this checkout did not start. "
            "Stop it, or choose other ports (see docs/configuration.md)."
        ) from None


def _start(service: Service, daemon: Daemon, cfg: StackConfig) -> None:
    _ports_free(service, cfg, within_s=PORTS_FREED_WITHIN_S)
    try:
        service.prepare(cfg)
    except Exception as exc:
        raise StackError(f"{service.name} cannot be set up: {exc}") from exc
    pid = daemon.start(
        service.command(cfg), env=dict(os.environ), cwd=cfg.root, user=service.user()
    )
    say(f"{service.name} started (pid {pid}, log {daemon.logfile})")


def _check_same_settings(service: Service, daemon: Daemon, cfg: StackConfig) -> None:
    """A running piece is reused only if it runs as this configuration asks (its store, ports)."""
    recorded = daemon.argv()
    if recorded is not None and recorded != service.command(cfg):
        raise StackError(
            f"{service.name} runs with other settings than these (MOBILISE_STORE={cfg.store}, "
            f"ports): stop it first (`devstack down {service.name}`, or `make down`)."
        )


def down(cfg: StackConfig, names: Iterable[str] | None = None) -> None:
    for service in reversed(_select(names)):
        if service.daemon(cfg).stop():
            say(f"{service.name} stopped")


def status(cfg: StackConfig) -> dict[str, int | None]:
    """Each piece this configuration runs, and any other still running, with its pid."""
    pids = {service.name: service.daemon(cfg).pid() for service in INFRA}
    return {s.name: pids[s.name] for s in INFRA if s.wanted(cfg) or pids[s.name] is not None}
