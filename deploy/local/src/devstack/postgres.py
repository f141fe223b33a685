"""PostgreSQL under FerretDB (MOBILISE_STORE=postgresql): a cluster of this checkout's own in
.local/postgresql, served on loopback only, on its own port, with no Unix socket."""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import subprocess
from pathlib import Path

from devstack import clusters
from devstack.config import POSTGRES_MAX_CONNECTIONS, StackConfig
from devstack.install import install_postgresql
from devstack.output import say
from devstack.procs import as_user, wait_until


def server_user() -> str | None:
    """PostgreSQL refuses to run as root: as root, devstack runs it as Debian's `postgres` user
    (made by the package); anyone else runs it as themselves."""
    return "postgres" if os.geteuid() == 0 else None


def data_dir(cfg: StackConfig) -> Path:
    """The cluster's folder: in the checkout's state folder, unless the server's user cannot
    enter it (a checkout in root's home, mode 700, run as root): then in that user's home, one
    folder per checkout (devstack.clusters: `make clean` removes it, and devstack removes it once
    its checkout is gone)."""
    inside = cfg.data("postgresql") / "data"
    user = server_user()
    if user is None or _reachable(user, _nearest_existing(cfg.state)):
        return inside
    key = hashlib.sha256(str(cfg.state.resolve()).encode()).hexdigest()[:16]
    return clusters_home(user) / key / "data"


def clusters_home(user: str) -> Path:
    """Where the clusters of checkouts `user` cannot enter are kept."""
    return Path(pwd.getpwnam(user).pw_dir) / "mobilise"


def _outside(cfg: StackConfig, data: Path) -> bool:
    return not data.is_relative_to(cfg.state)


def _nearest_existing(folder: Path) -> Path:
    """The folder, or its closest parent that exists (the state folder is made at first use,
    with the same access as its parent)."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def initdb_command(cfg: StackConfig, bin_dir: Path) -> list[str]:
    return [
        str(bin_dir / "initdb"),
        f"--pgdata={data_dir(cfg)}",
        "--username=postgres",
        # Loopback only, and only devstack's own processes connect: no passwords.
        "--auth=trust",
        "--encoding=UTF8",
        "--no-locale",
    ]


def server_command(cfg: StackConfig, bin_dir: Path) -> list[str]:
    return [
        str(bin_dir / "postgres"),
        "-D", str(data_dir(cfg)),
        "-c", "listen_addresses=127.0.0.1",
        "-c", f"port={cfg.postgres_port}",
        "-c", "unix_socket_directories=",
        "-c", f"max_connections={POSTGRES_MAX_CONNECTIONS}",
    ]  # fmt: skip


def prepare(cfg: StackConfig) -> None:
    """A new cluster, the first time (initdb as the server's user, who must own its folder)."""
    data = data_dir(cfg)
    if _outside(cfg, data):
        # The state folder first: a cluster whose recorded folder does not exist is an orphan.
        cfg.state.mkdir(parents=True, exist_ok=True)
        clusters.record_owner(data.parent, cfg.state)
        _remove_orphans(data.parent.parent)
    if (data / "PG_VERSION").exists():
        return
    bin_dir = install_postgresql()
    shutil.rmtree(data, ignore_errors=True)  # what a cut-short initdb left
    data.mkdir(parents=True, mode=0o700)
    user = server_user()
    if user is not None:
        if not _reachable(user, data.parent):
            raise RuntimeError(
                f"PostgreSQL runs as the `{user}` user, who cannot enter {data.parent}: keep "
                "MOBILISE_STATE in a folder others may traverse (chmod o+x its parents)"
            )
        shutil.chown(data, user, user)
    say(f"creating a PostgreSQL cluster in {data}")
    subprocess.run(
        initdb_command(cfg, bin_dir),
        check=True,
        stdout=subprocess.DEVNULL,
        cwd=data.parent,
        **as_user(user),
    )


def remove_clusters(cfg: StackConfig) -> None:
    """For `devstack clean`, its server stopped: this checkout's cluster when it is kept outside
    the checkout (inside, it goes with the state folder), and the orphans of checkouts gone."""
    user = server_user()
    if user is None:
        return
    try:
        home = clusters_home(user)
    except KeyError:  # no such user: PostgreSQL was never installed, so no cluster either
        return
    data = data_dir(cfg)
    if _outside(cfg, data):
        if clusters.remove_own(data.parent):
            say(f"removed this checkout's PostgreSQL cluster ({data.parent})")
        elif data.parent.exists():
            say(f"kept this checkout's PostgreSQL cluster ({data.parent}): a server runs on it")
    _remove_orphans(home)


def _remove_orphans(home: Path) -> None:
    for orphan in clusters.remove_orphans(home):
        say(f"removed the PostgreSQL cluster of a checkout that is gone ({orphan})")


def _reachable(user: str, folder: Path) -> bool:
    entered = subprocess.run(["test", "-x", str(folder)], check=False, cwd="/", **as_user(user))
    return entered.returncode == 0


def command(cfg: StackConfig) -> list[str]:
    return server_command(cfg, install_postgresql())


def psql_command(
    cfg: StackConfig, bin_dir: Path, sql: str, *, database: str = "postgres"
) -> list[str]:
    return [
        str(bin_dir / "psql"),
        "--host=127.0.0.1",
        f"--port={cfg.postgres_port}",
        "--username=postgres",
        f"--dbname={database}",
        "--no-psqlrc",
        "--tuples-only",
        "--no-align",
        "--set=ON_ERROR_STOP=1",
        f"--command={sql}",
    ]


def _psql(cfg: StackConfig, sql: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        psql_command(cfg, install_postgresql(), sql),
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PGCONNECT_TIMEOUT": "2"},
    )


def ready(cfg: StackConfig) -> None:
    """Answers SQL on its port; the database FerretDB keeps every MongoDB database in (one schema
    each; config.postgres_url) exists, created the first time."""
    wait_until(lambda: _psql(cfg, "SELECT 1").returncode == 0, timeout=30, what="postgresql")
    exists = _psql(cfg, "SELECT 1 FROM pg_database WHERE datname = 'ferretdb'")
    if exists.returncode != 0:
        raise RuntimeError(exists.stderr)
    if exists.stdout.strip() != "1":
        created = _psql(cfg, "CREATE DATABASE ferretdb")
        if created.returncode != 0:
            raise RuntimeError(created.stderr)
