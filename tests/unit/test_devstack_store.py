"""devstack's choice of FerretDB backend (MOBILISE_STORE) and the PostgreSQL it then runs."""

from __future__ import annotations

import dataclasses
import os
import pwd
import socket
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest

from devstack import postgres, stack
from devstack.config import POSTGRES_MAX_CONNECTIONS, ConfigError, StackConfig
from devstack.infra import INFRA, Service, _ferretdb_command
from devstack.install import postgres_bin
from devstack.procs import Daemon, as_user, wait_until
from devstack.stack import StackError, _check_same_settings, status
from mobilise_runtime.mongo import WRITES_PER_COMMAND


def _config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> StackConfig:
    monkeypatch.setenv("MOBILISE_STATE", str(tmp_path / "state"))
    monkeypatch.setenv("MOBILISE_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("MOBILISE_STORE", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    cfg = StackConfig.from_env()
    # A stand-in for the built FerretDB: the commands name it, nothing runs it.
    cfg.ferretdb_binary.parent.mkdir(parents=True, exist_ok=True)
    cfg.ferretdb_binary.touch()
    return cfg


@pytest.fixture
def sqlite(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> StackConfig:
    return _config(monkeypatch, tmp_path, MOBILISE_STORE="sqlite")


@pytest.fixture
def pg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> StackConfig:
    return _config(
        monkeypatch, tmp_path, MOBILISE_STORE="postgresql", MOBILISE_POSTGRES_PORT="25432"
    )


def test_the_store_is_postgresql_unless_sqlite_is_chosen(
    sqlite: StackConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert sqlite.store == "sqlite"
    monkeypatch.delenv("MOBILISE_STORE")
    assert StackConfig.from_env().store == "postgresql"
    monkeypatch.setenv("MOBILISE_STORE", "postgres")
    with pytest.raises(ConfigError, match="sqlite, postgresql"):
        StackConfig.from_env()


def test_ferretdb_on_sqlite_keeps_its_files_in_the_checkout(sqlite: StackConfig) -> None:
    command = _ferretdb_command(sqlite)
    assert "--handler=sqlite" in command
    assert f"--sqlite-url=file:{sqlite.state / 'ferretdb' / 'data'}/" in command
    assert not any(arg.startswith("--postgresql-url") for arg in command)


def test_ferretdb_on_postgresql_has_a_pool_above_the_largest_write_command(
    pg: StackConfig,
) -> None:
    """FerretDB holds a pooled connection per update until the command ends, and hangs when a
    command holds as many updates as the pool has connections (its default pool: 50, the size of
    our commands)."""
    command = _ferretdb_command(pg)
    assert "--handler=postgresql" in command
    assert f"--postgresql-url={pg.postgres_url}" in command
    url = urlsplit(pg.postgres_url)
    assert (url.hostname, url.port, url.path) == ("127.0.0.1", 25432, "/ferretdb")
    pool = int(parse_qs(url.query)["pool_max_conns"][0])
    assert pool >= 2 * WRITES_PER_COMMAND
    assert pool < POSTGRES_MAX_CONNECTIONS


def test_postgresql_serves_loopback_only_from_the_checkout(
    pg: StackConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(postgres, "_reachable", lambda user, folder: True)
    bin_dir = Path("/usr/lib/postgresql/15/bin")
    server = postgres.server_command(pg, bin_dir)
    assert server[:3] == [str(bin_dir / "postgres"), "-D", str(pg.state / "postgresql" / "data")]
    settings = dict(arg.split("=", 1) for arg in server[3:] if arg != "-c")
    assert settings == {
        "listen_addresses": "127.0.0.1",
        "port": "25432",
        "unix_socket_directories": "",  # no socket in a shared /var/run
        "max_connections": str(POSTGRES_MAX_CONNECTIONS),
    }
    initdb = postgres.initdb_command(pg, bin_dir)
    assert initdb[0] == str(bin_dir / "initdb")
    assert f"--pgdata={pg.state / 'postgresql' / 'data'}" in initdb
    assert "--auth=trust" in initdb
    psql = postgres.psql_command(pg, bin_dir, "SELECT 1")
    assert {"--host=127.0.0.1", "--port=25432", "--command=SELECT 1"} <= set(psql)


def test_postgresql_runs_as_the_postgres_user_when_devstack_is_root(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert postgres.server_user() == "postgres"
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert postgres.server_user() is None
    assert as_user(None) == {}
    assert as_user("root") == {"user": 0, "group": 0, "extra_groups": []}


def test_a_cluster_the_server_user_cannot_reach_in_the_checkout_lives_in_its_home(
    pg: StackConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run as root from a checkout in root's home (mode 700), `postgres` cannot enter the state
    folder: the cluster goes to that user's home instead, one folder per checkout."""
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    asked: list[tuple[str, Path]] = []

    def reachable(user: str, folder: Path) -> bool:
        asked.append((user, folder))
        return False

    monkeypatch.setattr(postgres, "_reachable", reachable)
    # Its home, as Debian's package makes it (the machine running the test may not have it).
    monkeypatch.setattr(pwd, "getpwnam", lambda name: SimpleNamespace(pw_dir=f"/var/lib/{name}ql"))
    data = postgres.data_dir(pg)
    assert (data.name, data.parent.parent) == ("data", Path("/var/lib/postgresql/mobilise"))
    # The state folder is not made yet: the question is asked of the parent it will be made in.
    assert asked == [("postgres", pg.state.parent)]
    assert postgres.data_dir(dataclasses.replace(pg, state=pg.state / "other")) != data
    monkeypatch.setattr(postgres, "_reachable", lambda user, folder: True)
    assert postgres.data_dir(pg) == pg.state / "postgresql" / "data"


def test_the_newest_installed_postgresql_is_chosen(tmp_path: Path) -> None:
    for version in ("13", "15", "9"):
        (tmp_path / version / "bin").mkdir(parents=True)
        (tmp_path / version / "bin" / "postgres").touch()
        (tmp_path / version / "bin" / "initdb").touch()
    (tmp_path / "16" / "bin").mkdir(parents=True)  # only the client: no server there
    (tmp_path / "16" / "bin" / "psql").touch()
    assert postgres_bin(f"{tmp_path}/*/bin") == tmp_path / "15" / "bin"
    assert postgres_bin(f"{tmp_path}/none/*/bin") is None


def test_postgresql_starts_before_ferretdb_and_only_under_it(
    sqlite: StackConfig, pg: StackConfig
) -> None:
    names = [s.name for s in INFRA]
    assert names.index("postgresql") < names.index("ferretdb")
    wanted = {s.name for s in INFRA if s.wanted(pg)}
    assert wanted == {"kafka", "postgresql", "ferretdb", "redis"}
    assert {s.name for s in INFRA if s.wanted(sqlite)} == wanted - {"postgresql"}
    assert "postgresql" not in status(sqlite)
    assert status(pg)["postgresql"] is None


def test_a_piece_running_with_other_settings_is_refused(
    sqlite: StackConfig, tmp_path: Path
) -> None:
    """FerretDB left running on SQLite must not serve a run asking for PostgreSQL."""
    wanted = ["sleep", "60"]
    service = Service(
        "sleeper", ports=lambda cfg: (), command=lambda cfg: wanted, ready=lambda cfg: None
    )
    daemon = Daemon("sleeper", tmp_path / "run", tmp_path / "logs")
    daemon.start(["sleep", "61"], env={}, cwd=tmp_path)
    try:
        assert daemon.argv() == ["sleep", "61"]
        with pytest.raises(StackError, match="devstack down sleeper"):
            _check_same_settings(service, daemon, sqlite)
        wanted[1] = "61"
        _check_same_settings(service, daemon, sqlite)
    finally:
        daemon.stop(timeout=5)
    assert daemon.argv() is None


@pytest.mark.skipif(os.geteuid() != 0, reason="switching users needs root")
def test_a_daemon_started_as_another_user_runs_as_that_user(tmp_path: Path) -> None:
    daemon = Daemon("as-postgres", tmp_path / "run", tmp_path / "logs")
    daemon.start(["sh", "-c", "id -u; id -G; sleep 60"], env={}, cwd=Path("/"), user="postgres")
    try:
        wait_until(lambda: len(daemon.logfile.read_text().split("\n")) > 2, timeout=10, what="id")
        uid, groups = daemon.logfile.read_text().split("\n")[:2]
        entry = pwd.getpwnam("postgres")
        assert int(uid) == entry.pw_uid
        assert groups.split() == [str(entry.pw_gid)]
    finally:
        daemon.stop(timeout=5)


def test_a_start_cut_short_stops_what_it_started(
    sqlite: StackConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A later piece's port being taken must not leave the earlier pieces running unowned."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        first = Service(
            "first",
            ports=lambda cfg: (),
            command=lambda cfg: ["sleep", "60"],
            ready=lambda cfg: None,
        )
        second = Service(
            "second",
            ports=lambda cfg: (port,),
            command=lambda cfg: ["true"],
            ready=lambda cfg: None,
        )
        monkeypatch.setattr(stack, "INFRA", (first, second))
        # Taken for good here: no need to wait the half minute a killed piece's ports may take.
        monkeypatch.setattr(stack, "PORTS_FREED_WITHIN_S", 0.5)
        with pytest.raises(StackError, match=f"port {port} is taken"):
            stack.up(sqlite)
    assert first.daemon(sqlite).pid() is None
