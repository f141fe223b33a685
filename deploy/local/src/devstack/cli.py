"""devstack: install, start, stop and inspect the local stack.

devstack install       fetch/build what is missing (Kafka jars, FerretDB, Redis; PostgreSQL unless
                       MOBILISE_STORE=sqlite) into the cache; --browser adds Debian's
                       chromium and axe-core (npm) for the browser tests, --deploy
                       docker-compose and kustomize for the deployment checks
devstack up|down       start/stop Kafka, FerretDB (and its PostgreSQL) and Redis in the
                       background (idempotent)
devstack status        what runs, with pids
devstack clean         down, then remove this checkout's PostgreSQL cluster if it is kept outside
                       the checkout, and those of checkouts that are gone (`make clean`)
devstack run           everything in the foreground: infra, topics, all services; Ctrl-C stops all
                       --scale NAME=N runs N replicas of a process (APIs' replicas share its port)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import threading
from types import FrameType

from devstack import postgres
from devstack.apps import (
    APPS,
    Foreground,
    app_environment,
    parse_scale,
    replica_names,
    wait_ready,
)
from devstack.config import ConfigError, StackConfig
from devstack.install import MissingPrerequisite, install_all
from devstack.output import say
from devstack.partner_demo import DEFAULT_PORT as DEMO_PORT
from devstack.partner_demo import demo_origins, register_demo
from devstack.stack import StackError, down, status, up
from mobilise_runtime.kafka import ensure_topics


def _run(cfg: StackConfig, scale: dict[str, int]) -> int:
    install_all(cfg)
    started = up(cfg)
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    apps = None
    try:
        asyncio.run(ensure_topics(cfg.kafka_bootstrap))
        env = app_environment(cfg, scale)
        apps = Foreground(env)
        for app in APPS:
            for name in replica_names(app, scale[app.name]):
                apps.start(app, name)
        for app in APPS:
            wait_ready(app, apps)
        port = {a.name: a.port() for a in APPS}
        register_demo(
            f"http://127.0.0.1:{port['signup-api']}",
            env["MOBILISE_ADMIN_TOKEN"],
            demo_origins(port["partner-demo"] or DEMO_PORT),
        )
        _banner(cfg, env["MOBILISE_ADMIN_TOKEN"], "MOBILISE_ADMIN_TOKEN" not in os.environ)
        while not stop.wait(0.5):
            if apps.exited():
                for name, code in apps.exited():
                    say(f"{name} exited with status {code}: stopping everything")
                return 1
        return 0
    finally:
        say("stopping …")
        if apps is not None:
            apps.stop()
        down(cfg, started)
        kept = [name for name, pid in status(cfg).items() if pid]
        if kept:
            say(
                f"left running what was already up before: {', '.join(kept)} (`make down` stops it)"
            )
        say("stopped")


def _banner(cfg: StackConfig, token: str, generated: bool) -> None:
    port = {a.name: a.port() for a in APPS}
    origin = "generated, kept in .local/dev-secrets.env" if generated else "MOBILISE_ADMIN_TOKEN"
    print(
        "\n".join(
            [
                "",
                "mobilise is running:",
                f"  console  http://127.0.0.1:{port['console-web']}/   (organisers: sign in with"
                " your email (the link shows in the outbox) or the admin token)",
                f"  signup   http://127.0.0.1:{port['signup-api']}/docs   (API; pages /c/…)",
                f"  counter  http://127.0.0.1:{port['counter-api']}/docs   (totals; /dashboard/…)",
                f"  mailer   http://127.0.0.1:{port['mailer-api']}/docs"
                "   (mailings and their progress; webhook)",
                f"  outbox   http://127.0.0.1:{port['mailer-api']}/outbox"
                "   (what the mailer sent, as recipients see it)",
                f"  sendgrid http://127.0.0.1:{port['sendgrid-standin']}/_standin/messages"
                "   (the local SendGrid stand-in: what was sent)",
                f"  partner  http://127.0.0.1:{port['partner-demo']}/   (a partner's site"
                " embedding the signup widget; /iframe: the iframe)",
                "  each API also answers /healthz, /readyz and /metrics",
                f"  kafka {cfg.kafka_bootstrap} · mongo {cfg.mongo_url} · redis {cfg.redis_url}",
                f"  admin token ({origin}): {token}",
                "Ctrl-C stops everything.",
                "",
            ]
        ),
        flush=True,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="devstack",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", choices=["install", "up", "down", "status", "clean", "run"])
    parser.add_argument(
        "names", nargs="*", help="kafka, postgresql, ferretdb, redis (default: all)"
    )
    parser.add_argument(
        "--browser",
        action="store_true",
        help="install: also Debian's chromium and axe-core (browser tests)",
    )
    parser.add_argument(
        "--deploy",
        action="store_true",
        help="install: also docker-compose and kustomize (the deployment checks)",
    )
    parser.add_argument(
        "--scale",
        action="append",
        default=[],
        metavar="NAME=N",
        help="run: N replicas of a process, e.g. --scale counter-consumer=3 --scale signup-api=2",
    )
    args = parser.parse_args(argv)
    try:
        scale = parse_scale(args.scale)
    except ValueError as exc:
        parser.error(str(exc))
    names = args.names or None
    try:
        cfg = StackConfig.from_env()
        if args.command == "install":
            install_all(cfg, browser=args.browser, deploy=args.deploy)
        elif args.command == "up":
            install_all(cfg)
            up(cfg, names)
            say("ready: " + ", ".join(f"{n} (pid {p})" for n, p in status(cfg).items()))
        elif args.command == "down":
            down(cfg, names)
        elif args.command == "clean":
            down(cfg)
            postgres.remove_clusters(cfg)
        elif args.command == "status":
            for name, pid in status(cfg).items():
                print(f"{name:<11} {'running, pid ' + str(pid) if pid else 'stopped'}")
        else:
            sys.exit(_run(cfg, scale))
    except (ConfigError, MissingPrerequisite, StackError, TimeoutError) as exc:
        say(f"error: {exc}")
        sys.exit(1)
