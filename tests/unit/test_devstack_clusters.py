"""PostgreSQL clusters kept outside their checkout (devstack.clusters): `devstack clean` removes
the checkout's own once its server is stopped, and only the folders of checkouts that are gone
and on which no server runs are ever removed as orphans."""

from __future__ import annotations

import os
import pwd
from pathlib import Path
from types import SimpleNamespace

import pytest

from devstack import clusters, postgres
from devstack.config import StackConfig

LIVING = 4242  # the pid the fake process table says is alive


def alive(pid: int) -> bool:
    return pid == LIVING


def cluster(home: Path, name: str, *, served: Path | None, pid: int | None = None) -> Path:
    """A cluster folder as devstack leaves it: data/, the record of its checkout, a server's pid."""
    folder = home / name
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "PG_VERSION").write_text("15\n")
    if served is not None:
        clusters.record_owner(folder, served)
    if pid is not None:
        (folder / "data" / "postmaster.pid").write_text(f"{pid}\n/var/lib/x\n1700000000\n")
    return folder


def test_only_clusters_of_checkouts_that_are_gone_and_not_running_are_orphans(
    tmp_path: Path,
) -> None:
    home = tmp_path / "mobilise"
    live_checkout = tmp_path / "live" / ".local"
    live_checkout.mkdir(parents=True)
    gone = tmp_path / "gone" / ".local"
    kept = {
        "live": cluster(home, "live", served=live_checkout),
        "live-running": cluster(home, "live-running", served=live_checkout, pid=LIVING),
        "gone-but-running": cluster(home, "gone-but-running", served=gone, pid=LIVING),
        "unrecorded": cluster(home, "unrecorded", served=None),
    }
    orphans = {
        "gone": cluster(home, "gone", served=gone),
        "gone-server-dead": cluster(home, "gone-server-dead", served=gone, pid=LIVING + 1),
        "gone-pid-garbled": cluster(home, "gone-pid-garbled", served=gone, pid=None),
    }
    (orphans["gone-pid-garbled"] / "data" / "postmaster.pid").write_text("")
    (home / "a-file").write_text("not a cluster")

    removed = clusters.remove_orphans(home, alive)

    assert removed == sorted(orphans.values())
    assert all(not folder.exists() for folder in orphans.values())
    assert all((folder / "data" / "PG_VERSION").exists() for folder in kept.values())
    assert (home / "a-file").exists()
    assert clusters.remove_orphans(tmp_path / "no-such-home", alive) == []


def test_a_cluster_records_the_checkout_it_serves(tmp_path: Path) -> None:
    folder = tmp_path / "key"
    clusters.record_owner(folder, tmp_path / "checkout" / ".." / "checkout" / ".local")
    assert clusters.owner(folder) == (tmp_path / "checkout" / ".local").resolve()
    assert clusters.owner(tmp_path / "elsewhere") is None


def test_a_real_living_process_counts_as_a_running_server(tmp_path: Path) -> None:
    folder = cluster(tmp_path, "mine", served=tmp_path / "gone", pid=os.getpid())
    assert clusters.running(folder)
    assert not clusters.orphaned(folder)
    assert not clusters.remove_own(folder)
    assert folder.exists()


@pytest.fixture
def outside(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> StackConfig:
    """As root from a checkout `postgres` cannot enter: the cluster lives in that user's home."""
    monkeypatch.setenv("MOBILISE_STATE", str(tmp_path / "checkout" / ".local"))
    monkeypatch.setenv("MOBILISE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("MOBILISE_STORE", "postgresql")
    cfg = StackConfig.from_env()
    cfg.state.mkdir(parents=True)
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(postgres, "_reachable", lambda user, folder: False)
    monkeypatch.setattr(pwd, "getpwnam", lambda name: SimpleNamespace(pw_dir=str(tmp_path / name)))
    return cfg


def test_each_start_records_its_checkout_and_removes_the_orphans(
    outside: StackConfig, tmp_path: Path
) -> None:
    """A cluster made before the record existed gets it at its next start (here: already made,
    so nothing is installed or initialised). The state folder may not be made yet: the cluster
    is still not taken for an orphan."""
    outside.state.rmdir()
    own = postgres.data_dir(outside).parent
    cluster(own.parent, own.name, served=None)
    orphan = cluster(own.parent, "orphan", served=tmp_path / "gone" / ".local")

    postgres.prepare(outside)

    assert clusters.owner(own) == outside.state.resolve()
    assert not orphan.exists()


def test_clean_removes_its_own_outside_cluster_and_the_orphans_only(
    outside: StackConfig, tmp_path: Path
) -> None:
    cfg = outside
    home = postgres.clusters_home("postgres")
    own = postgres.data_dir(cfg).parent
    (own / "data").mkdir(parents=True)
    clusters.record_owner(own, cfg.state)
    other_live = tmp_path / "other" / ".local"
    other_live.mkdir(parents=True)
    other = cluster(home, "other", served=other_live)
    orphan = cluster(home, "orphan", served=tmp_path / "gone" / ".local")

    postgres.remove_clusters(cfg)

    assert not own.exists()
    assert not orphan.exists()
    assert other.exists()


def test_clean_leaves_the_clusters_alone_when_not_root(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Not root: the cluster is in the state folder, which `make clean` deletes anyway."""
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setattr(pwd, "getpwnam", lambda name: SimpleNamespace(pw_dir=str(tmp_path / name)))
    orphan = cluster(tmp_path / "postgres" / "mobilise", "orphan", served=tmp_path / "gone")
    monkeypatch.setenv("MOBILISE_STATE", str(tmp_path / "state"))
    postgres.remove_clusters(StackConfig.from_env())
    assert orphan.exists()
