"""docker-compose.yml rehearsed without a Docker engine: every application service is started as a
local process with exactly its `command` (or its image's CMD) and `environment` (or its image's
ENV), the hostnames of kafka, mongo, redis and the other services mapped to the local stack, then
each healthcheck is run against it and a signup goes through end to end. A missing variable, a
wrong command, a port that does not match or a process left out of the file fails here.

The only values changed besides hosts and ports keep this test's data apart from other tests'
(databases, consumer groups, the Celery queue get a suffix; the topics a prefix)."""

from __future__ import annotations

import re
import subprocess
import time
import tomllib
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from devstack.config import StackConfig
from devstack.harness.mailer import standin, wait_until
from devstack.harness.processes import SCRIPTS, Running, free_port
from devstack.harness.signup import ADMIN_TOKEN, SignupService
from mobilise_runtime.settings import SharedSettings
from tests.compose_file import REQUIRED_VARIABLES, ROOT, AppService, app_services, compose_config

# Console scripts that are tools run by hand, not processes of a deployment.
TOOLS = {"mobilise", "counter-reconcile"}
# How a process without an HTTP healthcheck shows that it works (a line of its log).
READY_LINE = {
    "signup-projector": "partitions assigned",
    "counter-consumer": "partitions assigned",
    "mailer-consumer": "partitions assigned",
    "mailer-worker": "ready",
    # The retention jobs, each its own schedule (--every): their first run at start succeeded.
    "signup-retention": "retention applied",
    "mailer-retention": "retention applied",
}
# The infrastructure's hosts and ports inside compose.
INFRA_PORT = {"kafka": 9092, "mongo": 27017, "redis": 6379}
ISOLATED = re.compile(r".*(_MONGO_DATABASE|_GROUP|_CELERY_QUEUE)$")


def console_scripts() -> set[str]:
    scripts: set[str] = set()
    for pyproject in [
        *ROOT.glob("services/*/pyproject.toml"),
        ROOT / "packages/runtime/pyproject.toml",
    ]:
        scripts |= set(tomllib.loads(pyproject.read_text())["project"].get("scripts", {}))
    return scripts


def variables(signup_url: str, sendgrid: str, prefix: str) -> dict[str, str]:
    values = {
        "MOBILISE_ADMIN_TOKEN": ADMIN_TOKEN,
        "SIGNUP_PUBLIC_URL": signup_url,
        "SIGNUP_TOKEN_KEYS": Fernet.generate_key().decode(),
        "SIGNUP_SUPPORTER_KEY_SECRET": "rehearsal-supporter-key-secret",
        "MAILER_SENDGRID_API_KEY": "rehearsal-key",
        "MAILER_EMAIL_HASH_KEY": "rehearsal-email-hash-key",
        "CONSOLE_SESSION_SECRET": "rehearsal-console-session-secret",
    }
    assert set(values) == set(REQUIRED_VARIABLES)
    return {**values, "MAILER_SENDGRID_HOST": sendgrid, "MOBILISE_TOPIC_PREFIX": prefix}


def process_env(
    service: AppService, hosts: dict[str, str], port: int | None, unique: str
) -> dict[str, str]:
    """What the container's process would see, on this machine: the image's ENV, then compose's
    environment; nothing inherited from the test's own environment."""
    env = {k: v for k, v in service.dockerfile.env.items() if k != "PATH"}
    env.update(service.environment)
    for name, value in env.items():
        for host, local in hosts.items():
            value = value.replace(host, local)
        env[name] = f"{value}-{unique}" if ISOLATED.fullmatch(name) else value
    if service.container_port is not None:
        assert service.container_port in service.dockerfile.expose, (
            f"{service.name} publishes {service.container_port}; its image exposes "
            f"{service.dockerfile.expose}"
        )
        listen = [
            n for n, v in env.items() if n.endswith("_PORT") and v == str(service.container_port)
        ]
        assert len(listen) == 1, f"{service.name}: no *_PORT variable says {service.container_port}"
        env[listen[0]] = str(port)
    env["PATH"] = f"{SCRIPTS}:/usr/bin:/bin"
    return env


@pytest.fixture
def sendgrid(tmp_path: Path) -> Iterator[str]:
    with standin(tmp_path) as url:
        yield url


def test_every_long_running_process_is_a_compose_service() -> None:
    config = compose_config(dict.fromkeys(REQUIRED_VARIABLES, "x"))
    commands = {s.command[0] for s in app_services(config)}
    missing = console_scripts() - TOOLS - commands
    assert not missing, f"no service of docker-compose.yml runs {sorted(missing)}"
    unknown = commands - console_scripts()
    assert not unknown, f"docker-compose.yml runs {sorted(unknown)}, which no package provides"


def test_compose_services_start_as_written_and_take_a_signup(
    stack: StackConfig, shared_settings: SharedSettings, unique: str, sendgrid: str
) -> None:
    api_ports: dict[str, int] = {}
    probe = compose_config(dict.fromkeys(REQUIRED_VARIABLES, "x"))
    for service in app_services(probe):
        if service.container_port is not None:
            api_ports[service.name] = free_port()
    signup_url = f"http://127.0.0.1:{api_ports['signup-api']}"
    config = compose_config(variables(signup_url, sendgrid, shared_settings.topic_prefix))
    services = app_services(config)
    hosts = {
        f"{name}:{port}": f"127.0.0.1:{getattr(stack, f'{name}_port')}"
        for name, port in INFRA_PORT.items()
    }
    hosts |= {
        f"{s.name}:{s.container_port}": f"127.0.0.1:{api_ports[s.name]}"
        for s in services
        if s.container_port is not None
    }
    envs = {s.name: process_env(s, hosts, api_ports.get(s.name), unique) for s in services}
    for service in services:
        assert (SCRIPTS / service.command[0]).exists(), f"{service.name}: no {service.command[0]}"
    # Jobs others wait for to complete (the topics), run first, to their end.
    jobs = {
        n
        for s in services
        for n, c in s.depends_on.items()
        if c == "service_completed_successfully"
    }
    one_shot = [s for s in services if s.name in jobs]
    for service in one_shot:
        done = subprocess.run(
            service.command,
            env=envs[service.name],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"{service.name}: {done.stdout}{done.stderr}"
    by_name = {s.name: s for s in services}
    with ExitStack() as running:
        processes: dict[str, Running] = {}
        healthy: set[str] = set()

        def wait_healthy(name: str) -> None:
            if name not in healthy:
                _wait_healthy(by_name[name], processes[name], envs[name])
                healthy.add(name)

        for service in services:
            if service in one_shot:
                continue
            # As compose does: after the services it waits for (`service_healthy`).
            for name, condition in service.depends_on.items():
                if condition == "service_healthy" and name in processes:
                    wait_healthy(name)
            process = Running(service.command, envs[service.name])
            running.callback(process.stop)
            processes[service.name] = process
        for name in processes:
            wait_healthy(name)
        _signup_end_to_end(signup_url, f"http://127.0.0.1:{api_ports['counter-api']}", sendgrid)
        _console_signs_in(f"http://127.0.0.1:{api_ports['console-web']}")
        for name, process in processes.items():
            assert process.process.poll() is None, f"{name} exited:\n{process.output()[-3000:]}"


def _wait_healthy(service: AppService, process: Running, env: dict[str, str]) -> None:
    if service.healthcheck is None:
        line = READY_LINE.get(service.command[0])
        assert line, f"{service.name}: no healthcheck and no known sign that it works"
        process.wait_for(line, timeout=90)
        return
    deadline = time.monotonic() + 90
    while True:
        assert process.process.poll() is None, f"{service.name} exited:\n{process.output()[-3000:]}"
        check = subprocess.run(
            service.healthcheck, env=env, capture_output=True, text=True, timeout=30, check=False
        )
        if check.returncode == 0:
            return
        assert time.monotonic() < deadline, (
            f"{service.name}: healthcheck {service.healthcheck} fails: {check.stderr[-1000:]}\n"
            f"{process.output()[-3000:]}"
        )
        time.sleep(0.5)


def _signup_end_to_end(signup_url: str, counter_url: str, sendgrid: str) -> None:
    for url in (signup_url, counter_url):
        ready = httpx.get(f"{url}/readyz", timeout=10)
        assert ready.status_code == 200, ready.text
    signup = SignupService(signup_url, None, "", "", None)  # type: ignore[arg-type]
    campaign = signup.create_campaign(double_opt_in=True)
    signup.pledge(campaign, email="compose@example.org")
    totals = f"{counter_url}/api/v1/campaigns/{campaign['slug']}/totals"

    def counted(field: str) -> bool:
        answer = httpx.get(totals, timeout=10)
        return answer.status_code == 200 and answer.json()[field] == 1

    wait_until(lambda: counted("signed"), timeout=60, what="the signup counted")

    def confirmation() -> str | None:
        sent = httpx.get(f"{sendgrid}/_standin/messages", timeout=10).json()
        for message in sent:
            if message["to"] == ["compose@example.org"]:
                link = re.search(r"http://[^\s\"<>]+/confirm/[^\s\"<>]+", message["text"])
                return link.group(0) if link else None
        return None

    link = wait_until(confirmation, timeout=60, what="the confirmation email")
    assert link.startswith(signup_url), link
    assert httpx.post(link, timeout=15).status_code == 200
    wait_until(lambda: counted("confirmed"), timeout=60, what="the confirmation counted")

    # An access request gathers the mailer's part too (SIGNUP_MAILER_URL, MAILER_EMAIL_HASH_KEY).
    with signup.client(organiser=True) as c:
        exported = c.post("/api/v1/supporters/export", json={"email": "compose@example.org"})
    assert exported.status_code == 200, exported.text
    mailer = exported.json()["mailer"]
    assert [r["email"] for r in mailer["recipients"]] == ["compose@example.org"], mailer


def _console_signs_in(console_url: str) -> None:
    """The console reaches the signup service by its compose name: the admin token signs in."""
    with httpx.Client(base_url=console_url, timeout=30, follow_redirects=True) as browser:
        page = browser.get("/sign-in")
        assert page.status_code == 200, page.text
        csrf = browser.cookies.get("mobilise_console_csrf")
        signed_in = browser.post("/sign-in/token", data={"token": ADMIN_TOKEN, "csrf_token": csrf})
        assert signed_in.status_code == 200, signed_in.text[-2000:]
        assert signed_in.url.path == "/campaigns"
