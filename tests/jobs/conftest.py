"""Fixtures for the job system: storage resources on a temporary SQLite file or a fresh PostgreSQL database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_settings
from traitbase.jobs.registry import Resources
from traitbase.jobs.worker import open_resources
from traitbase.storage.db import migrate


def resources_for(data_dir: Path, **overrides: Any) -> Iterator[Resources]:
    settings = make_settings(data_dir, job_poll_seconds=0.05, job_retry_backoff_seconds=0.0, **overrides)
    migrate(settings)
    res = open_resources(settings)
    yield res
    res.db.dispose()


@pytest.fixture
def sqlite_res(tmp_path: Path) -> Iterator[Resources]:
    yield from resources_for(tmp_path)


@pytest.fixture
def pg_res(tmp_path: Path, pg_url: str) -> Iterator[Resources]:
    yield from resources_for(tmp_path, database_url=pg_url)
