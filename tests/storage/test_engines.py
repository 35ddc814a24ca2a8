"""Choosing the warehouse by settings, and the embedded data directory's lock."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from traitbase.config import Settings
from traitbase.storage.warehouse.engines import engine_for, hold_data_dir_lock, release_data_dir_lock


def test_engine_comes_from_the_url_scheme(tmp_path: Path) -> None:
    assert engine_for(Settings(data_dir=tmp_path)).shared is False
    assert engine_for(Settings(data_dir=tmp_path, warehouse_url="clickhouse://127.0.0.1:19000/x")).shared is True
    with pytest.raises(ValueError, match="'mysql' is not supported"):
        engine_for(Settings(data_dir=tmp_path, warehouse_url="mysql://h/db"))


def test_second_process_on_the_same_data_directory_refuses_with_one_sentence(tmp_path: Path) -> None:
    hold_data_dir_lock(tmp_path)
    hold_data_dir_lock(tmp_path)  # re-entrant within one process
    code = (
        "import sys; from pathlib import Path; from traitbase.storage.warehouse.engines import *\n"
        "try:\n    hold_data_dir_lock(Path(sys.argv[1]))\nexcept DataDirInUse as e:\n    print(e); raise SystemExit(3)"
    )
    try:
        done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=60)
    finally:  # both holds released: the descriptor is closed, not left to the interpreter's exit
        release_data_dir_lock(tmp_path)
        release_data_dir_lock(tmp_path)
    assert done.returncode == 3
    assert done.stdout == (
        f"Another Traitbase server is already using the data directory {tmp_path.resolve()} "
        f"(it holds {tmp_path.resolve() / '.lock'}); stop it, or give this one another data directory.\n"
    )


@pytest.mark.clickhouse
def test_a_worker_process_opens_a_shared_warehouse_so_every_job_kind_runs_there(
    tmp_path: Path, clickhouse_url: str
) -> None:
    from traitbase.jobs.worker import open_resources

    embedded = open_resources(Settings(data_dir=tmp_path / "a"))
    assert embedded.warehouse is None
    embedded.db.dispose()
    shared = open_resources(Settings(data_dir=tmp_path / "b", warehouse_url=clickhouse_url))
    try:
        assert shared.warehouse is not None
        shared.warehouse.ping()
    finally:
        if shared.warehouse is not None:
            shared.warehouse.close()
        shared.db.dispose()
