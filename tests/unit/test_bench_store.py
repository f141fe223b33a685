"""The store benchmark's own pieces: its scratch FerretDBs and the rows it relays."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.harness import Report, Result
from bench.store_backends import Labelled, scratch_config
from devstack.config import StackConfig


def test_the_counter_rows_say_which_backend_they_ran_on(tmp_path: Path) -> None:
    report = Report(tmp_path)
    labelled = Labelled(report, "FerretDB on PostgreSQL")
    labelled.add(Result("counter consumer", "events/s", 100.0, 50.0, "—"))
    labelled.failed("counter throughput", RuntimeError("consumer died"))
    rows = report.path.read_text().splitlines()
    assert "| FerretDB on PostgreSQL: counter consumer | 100 events/s | 50 events/s |" in "\n".join(
        rows
    )
    assert rows[-1].startswith("| FerretDB on PostgreSQL: counter throughput: FAILED")
    assert report.failures == 1


def test_each_scratch_store_has_ports_and_a_folder_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOBILISE_STATE", str(tmp_path))
    cfg = StackConfig.from_env()
    sqlite, pg = scratch_config(cfg, "sqlite"), scratch_config(cfg, "postgresql")
    assert (sqlite.store, pg.store) == ("sqlite", "postgresql")
    assert sqlite.kafka_bootstrap == pg.kafka_bootstrap == cfg.kafka_bootstrap
    ports = {cfg.mongo_port, sqlite.mongo_port, pg.mongo_port, pg.postgres_port}
    assert len(ports) == 4
    assert sqlite.state != pg.state
    assert sqlite.state.is_relative_to(cfg.state)
    assert pg.state.is_relative_to(cfg.state)
