"""A worker process killed with SIGKILL mid-import: the next worker finishes and every line counts once.

The file has 200,000 lines of increments and set-adds; the final profiles must equal those of a
single uninterrupted run. Several kill points; each waits for a random amount of progress.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import text

from tests.conftest import build_env, make_settings
from tests.imports.conftest import Imports
from tests.servers import clean_env
from traitbase.storage.db import Database

LINES = 200_000
USERS = 3_000
TAGS = [f"tag{i}" for i in range(40)]
pytestmark = pytest.mark.slow


def _make_file(path: Path) -> None:
    rnd = random.Random(7)
    with open(path, "wb") as fh:
        for _ in range(LINES):
            changes = [
                {"op": "increment", "attr": "visits", "value": rnd.randint(-3, 9)},
                {"op": "set-add", "attr": "tags", "value": [rnd.choice(TAGS)]},
            ]
            if rnd.random() < 0.1:
                changes.append({"op": "increment", "attr": "spend", "value": rnd.randint(1, 500)})
            fh.write(orjson.dumps({"customer_id": f"user{rnd.randrange(USERS)}", "changes": changes}) + b"\n")


@pytest.fixture(scope="module")
def import_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("crash") / "profiles.jsonl"
    _make_file(path)
    return path


def _prepare(data_dir: Path, import_file: Path) -> str:
    """Bootstrap a data directory and upload the file; no worker runs yet. Returns the activity id."""
    settings = make_settings(data_dir, job_workers=0)
    gen: Iterator[Any] = build_env(settings)
    imp = Imports(next(gen))
    activity: str = imp.upload(imp.credentials(), import_file.read_bytes(), app_id=imp.env.boot.project_id).json()[
        "activity_id"
    ]
    next(gen, None)
    return activity


def _worker(data_dir: Path, *, once: bool) -> subprocess.Popen[bytes]:
    env = clean_env(
        TRAITBASE_DATA_DIR=str(data_dir),
        # Long enough that no lease lapses by accident; the test expires the dead worker's lease itself.
        TRAITBASE_JOB_LEASE_SECONDS="60",
        TRAITBASE_JOB_POLL_SECONDS="0.1",
        TRAITBASE_LOG_LEVEL="WARNING",
        # Many checkpoints in the file (the default chunk would give only five), so that kill
        # points land between and inside chunks.
        TRAITBASE_IMPORTS_CHUNK_LINES="5000",
    )
    args = [sys.executable, "-m", "traitbase.jobs.worker"] + (["--once"] if once else [])
    return subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _db(data_dir: Path) -> Database:
    return Database(make_settings(data_dir))


def _progress(db: Database, activity: str) -> tuple[str, int]:
    with db.read() as s:
        status, progress = s.execute(text("SELECT status, progress FROM jobs WHERE id = :id"), {"id": activity}).one()
    return status, int(orjson.loads(progress)["total"]) if isinstance(progress, str) else int(progress["total"])


def _profiles(db: Database) -> dict[str, Any]:
    with db.read() as s:
        rows = s.execute(text("SELECT user_id, attrs FROM user_profiles")).all()
    return {uid: orjson.loads(attrs) for uid, attrs in rows}


def _finish(data_dir: Path) -> None:
    proc = _worker(data_dir, once=True)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory, import_file: Path) -> dict[str, Any]:
    data_dir = tmp_path_factory.mktemp("reference")
    activity = _prepare(data_dir, import_file)
    _finish(data_dir)
    db = _db(data_dir)
    assert _progress(db, activity) == ("completed", LINES)
    profiles = _profiles(db)
    db.dispose()
    assert len(profiles) == USERS
    return profiles


def _expire_lease(db: Database, activity: str) -> None:
    """What time would do to the dead worker's lease, without waiting for it."""
    with db.uow() as s:
        s.execute(text("UPDATE jobs SET lease_expires_at = 0 WHERE id = :id"), {"id": activity})


# (where in the file to kill, seed of the jitter around it): the same seed kills at the same line.
KILL_POINTS = [(0.1, 101), (0.45, 145), (0.8, 180)]


@pytest.mark.parametrize(("kill_at", "seed"), KILL_POINTS)
def test_a_killed_worker_resumes_and_the_result_equals_an_uninterrupted_run(
    tmp_path: Path, import_file: Path, uninterrupted: dict[str, Any], kill_at: float, seed: int
) -> None:
    rnd = random.Random(seed)
    activity = _prepare(tmp_path, import_file)
    db = _db(tmp_path)
    proc = _worker(tmp_path, once=False)
    target = int(LINES * (kill_at + rnd.uniform(0, 0.1)))
    deadline = time.monotonic() + 90
    try:
        while _progress(db, activity)[1] < target:
            assert proc.poll() is None and time.monotonic() < deadline, "the worker stopped before the kill point"
            time.sleep(0.02)
        time.sleep(rnd.uniform(0, 0.05))
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()  # reaps it and closes its stderr pipe
    status, done = _progress(db, activity)
    assert status == "running" and done < LINES
    _expire_lease(db, activity)
    _finish(tmp_path)
    assert _progress(db, activity) == ("completed", LINES)
    assert _profiles(db) == uninterrupted
    db.dispose()
