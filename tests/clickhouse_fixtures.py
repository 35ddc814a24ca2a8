"""The real ClickHouse server for tests (started by ``.ci/clickhouse.sh start``).

Read from ``TB_TEST_CLICKHOUSE_URL`` (not a ``TRAITBASE_`` name: those are cleared in tests),
default ``clickhouse://127.0.0.1:19000``. Unreachable is a failure, never a skip. Every test gets
a database of its own, dropped afterwards (``fresh_database``: for a data set that the tests of
one module build once and only read).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

CLICKHOUSE_URL = os.environ.get("TB_TEST_CLICKHOUSE_URL", "clickhouse://127.0.0.1:19000")


@pytest.fixture(scope="session")
def clickhouse_server() -> str:
    from traitbase.storage.warehouse.chclient import DriverClient

    client = DriverClient(CLICKHOUSE_URL.rstrip("/") + "/default", connect_timeout=3)
    try:
        client.ping()
    except Exception as exc:
        pytest.fail(f"ClickHouse is not reachable at {CLICKHOUSE_URL} (run .ci/clickhouse.sh start): {exc}")
    finally:
        client.close()
    return CLICKHOUSE_URL.rstrip("/")


def fresh_database(server: str) -> Iterator[str]:
    """Yields the URL of a new database on ``server``; drops it when resumed."""
    from traitbase.storage.warehouse.chclient import DriverClient

    name = f"tb_test_{uuid.uuid4().hex[:12]}"
    yield f"{server}/{name}"
    admin = DriverClient(f"{server}/default")
    try:
        admin.command(f"DROP DATABASE IF EXISTS `{name}`")
    finally:
        admin.close()


@pytest.fixture
def clickhouse_url(clickhouse_server: str) -> Iterator[str]:
    """A URL of a fresh, empty database on the test server."""
    yield from fresh_database(clickhouse_server)


@pytest.fixture(params=["duckdb", pytest.param("clickhouse", marks=pytest.mark.clickhouse)])
def warehouse_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Settings overrides that run a test once on each warehouse engine: embedded DuckDB, then ClickHouse."""
    if request.param == "clickhouse":
        return {"warehouse_url": request.getfixturevalue("clickhouse_url")}
    return {}
