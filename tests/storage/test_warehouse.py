"""The DuckDB warehouse on its own: schema, group commit, failure isolation, idempotency, bounded reads."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from traitbase.errors import Unavailable
from traitbase.storage.warehouse.base import (
    IdempotencyRecord,
    Replayed,
    StoredAnswer,
    WriteOp,
    WriteTx,
    Written,
    events_table,
)
from traitbase.storage.warehouse.duckdb import DuckDBWarehouse

T0 = datetime(2019, 1, 1, 15, 4, 5)


def _events(n: int, *, user: str = "u", project: str = "p1", environment: str = "production") -> pa.Table:
    return events_table(
        {
            "project": project,
            "environment": environment,
            "event_time": T0,
            "received_at": T0,
            "kind": "action",
            "name": "buy_item",
            "user_id": [f"{user}{i}" for i in range(n)],
            "properties": '{"item_id": "3003"}',
        },
        rows=n,
    )


@pytest.fixture
def wh(tmp_path: Path) -> Iterator[DuckDBWarehouse]:
    w = DuckDBWarehouse(tmp_path / "wh.duckdb")
    yield w
    w.close()


def _hold_writer(wh: DuckDBWarehouse) -> tuple[threading.Event, Any]:
    """Park the writer thread inside a step so that ops queued meanwhile form one group."""
    entered, release = threading.Event(), threading.Event()

    def park(_: WriteTx) -> None:
        entered.set()
        release.wait(10)

    fut = wh.submit(WriteOp(step=park))
    assert entered.wait(10)
    return release, fut


def _count(wh: DuckDBWarehouse, sql: str = "SELECT count(*) FROM events") -> int:
    return int(wh.read(sql).rows[0][0])


def test_new_file_gets_every_schema_version_and_reopening_keeps_it(tmp_path: Path) -> None:
    w = DuckDBWarehouse(tmp_path / "wh.duckdb")
    assert w.schema_version == 3
    tables = w.read("SELECT table_name FROM information_schema.tables ORDER BY table_name").rows
    assert tables == [
        ("audience_members",),
        ("events",),
        ("idempotency_keys",),
        ("items",),
        ("tracker_clicks",),
        ("tracker_events",),
        ("tracker_pageleaves",),
        ("tracker_pageviews",),
        ("tracker_visitors",),
        ("tracker_visits",),
        ("user_levels",),
        ("warehouse_schema",),
    ]
    w.close()
    again = DuckDBWarehouse(tmp_path / "wh.duckdb")
    assert again.schema_version == 3
    assert again.read("SELECT version FROM warehouse_schema ORDER BY version").rows == [(1,), (2,), (3,)]
    again.close()


def test_written_rows_survive_close_and_reopen(tmp_path: Path) -> None:
    w = DuckDBWarehouse(tmp_path / "wh.duckdb")
    assert w.submit(WriteOp(events=_events(3), result="ok")).result(10) == Written("ok")
    w.close()
    again = DuckDBWarehouse(tmp_path / "wh.duckdb")
    assert again.read("SELECT user_id, name, event_time FROM events ORDER BY user_id").rows == [
        ("u0", "buy_item", T0),
        ("u1", "buy_item", T0),
        ("u2", "buy_item", T0),
    ]
    again.close()


def test_requests_queued_together_commit_in_one_group_and_each_gets_its_answer(wh: DuckDBWarehouse) -> None:
    release, parked = _hold_writer(wh)
    futures = [wh.submit(WriteOp(events=_events(10, user=f"r{i}-"), result=i)) for i in range(5)]
    release.set()
    assert parked.result(10) == Written(None)
    assert [f.result(10) for f in futures] == [Written(i) for i in range(5)]
    assert _count(wh) == 50


def test_one_failing_request_in_a_group_does_not_fail_the_others(wh: DuckDBWarehouse) -> None:
    def broken(tx: WriteTx) -> None:
        tx.execute("INSERT INTO no_such_table VALUES (1)")

    release, _ = _hold_writer(wh)
    good1 = wh.submit(WriteOp(events=_events(2, user="a"), result="a"))
    bad = wh.submit(WriteOp(events=_events(2, user="b"), step=broken))
    good2 = wh.submit(WriteOp(events=_events(2, user="c"), result="c"))
    release.set()
    assert good1.result(10) == Written("a")
    assert good2.result(10) == Written("c")
    with pytest.raises(Exception, match="no_such_table"):
        bad.result(10)
    assert wh.read("SELECT user_id FROM events ORDER BY user_id").rows == [("a0",), ("a1",), ("c0",), ("c1",)]


def test_step_returning_a_table_replaces_the_op_events(wh: DuckDBWarehouse) -> None:
    def flag(_: WriteTx) -> pa.Table:
        t = _events(1, user="flagged")
        return t.set_column(t.schema.get_field_index("flag"), "flag", pa.array(["level_decrease"]))

    assert wh.submit(WriteOp(events=_events(1), step=flag)).result(10) == Written(None)
    assert wh.read("SELECT user_id, flag FROM events").rows == [("flagged0", "level_decrease")]


def _idem(key: str, body: bytes = b'{"n": 1}', fingerprint: str = "f1") -> IdempotencyRecord:
    return IdempotencyRecord(
        project="p1", environment="production", key=key, fingerprint=fingerprint, status=201, body=body
    )


def test_same_idempotency_key_twice_in_one_group_writes_once_and_replays_the_first_answer(
    wh: DuckDBWarehouse,
) -> None:
    release, _ = _hold_writer(wh)
    first = wh.submit(WriteOp(events=_events(3), idempotency=_idem("k1"), result="first"))
    second = wh.submit(WriteOp(events=_events(3), idempotency=_idem("k1", body=b"other"), result="second"))
    release.set()
    assert first.result(10) == Written("first")
    assert second.result(10) == Replayed(StoredAnswer(status=201, body=b'{"n": 1}', fingerprint="f1"))
    assert _count(wh) == 3


def test_idempotency_key_is_remembered_after_commit_per_project_and_environment(wh: DuckDBWarehouse) -> None:
    wh.submit(WriteOp(events=_events(1), idempotency=_idem("k2"))).result(10)
    assert wh.remembered(project="p1", environment="production", key="k2") == StoredAnswer(
        status=201, body=b'{"n": 1}', fingerprint="f1"
    )
    assert wh.remembered(project="p1", environment="sandbox", key="k2") is None
    assert wh.remembered(project="p2", environment="production", key="k2") is None
    again = wh.submit(WriteOp(events=_events(1), idempotency=_idem("k2"))).result(10)
    assert isinstance(again, Replayed)
    assert _count(wh) == 1


def test_idempotency_key_outside_its_window_is_forgotten(tmp_path: Path) -> None:
    w = DuckDBWarehouse(tmp_path / "wh.duckdb", idempotency_ttl=0)
    try:
        w.submit(WriteOp(events=_events(1), idempotency=_idem("k3"))).result(10)
        assert w.remembered(project="p1", environment="production", key="k3") is None
        assert w.submit(WriteOp(events=_events(1), idempotency=_idem("k3"))).result(10) == Written(None)
        assert _count(w) == 2
    finally:
        w.close()


def test_read_over_the_row_cap_is_cut_and_marked_truncated(wh: DuckDBWarehouse) -> None:
    result = wh.read("SELECT range AS n FROM range(10)", max_rows=3)
    assert (result.columns, result.rows, result.truncated) == (["n"], [(0,), (1,), (2,)], True)
    whole = wh.read("SELECT range AS n FROM range(3)", max_rows=3)
    assert (whole.rows, whole.truncated) == ([(0,), (1,), (2,)], False)


def test_read_past_its_time_limit_is_stopped(wh: DuckDBWarehouse) -> None:
    with pytest.raises(Unavailable, match=r"longer than 0.2 s"):
        wh.read("SELECT count(*) FROM range(100000000000) a WHERE a.range % 7 = 3", timeout=0.2)


def test_upsert_through_insert_arrow_replaces_rows_by_key(wh: DuckDBWarehouse) -> None:
    def items(price: float) -> pa.Table:
        return pa.table(
            {
                "project": ["p1"],
                "environment": ["production"],
                "item_id": ["1001"],
                "price": [price],
                "currency": ["USD"],
                "name": ["Axe"],
                "type": ["weapon"],
                "updated_at": pa.array([T0], type=pa.timestamp("us")),
            }
        )

    def upsert(price: float) -> Callable[[Any], object]:
        return lambda tx: tx.insert_arrow("items", items(price), upsert_keys=("project", "environment", "item_id"))

    for price in (25.5, 30.0):
        wh.submit(WriteOp(step=upsert(price))).result(10)
    assert wh.read("SELECT item_id, price FROM items").rows == [("1001", 30.0)]


def test_submit_after_close_is_refused(tmp_path: Path) -> None:
    w = DuckDBWarehouse(tmp_path / "wh.duckdb")
    w.close()
    with pytest.raises(Unavailable):
        w.submit(WriteOp(events=_events(1)))


SETTINGS_SQL = "SELECT current_setting('memory_limit'), current_setting('threads'), current_setting('temp_directory')"


def test_memory_limit_threads_and_spill_directory_are_applied(tmp_path: Path) -> None:
    w = DuckDBWarehouse(tmp_path / "wh.duckdb", memory_limit="100MB", threads=1, temp_dir=tmp_path / "spill")
    try:
        res = w.read(
            "SELECT current_setting('memory_limit'), current_setting('threads'), current_setting('temp_directory')"
        )
    finally:
        w.close()
    assert res.rows == [("95.3 MiB", 1, str(tmp_path / "spill"))]


def test_app_opens_the_warehouse_with_the_settings(tmp_path: Path) -> None:
    from traitbase.config import Settings
    from traitbase.context import open_warehouse

    settings = Settings(data_dir=tmp_path, warehouse_memory_limit="200MB", warehouse_threads=1)
    w = open_warehouse(settings)
    try:
        res = w.read(
            "SELECT current_setting('memory_limit'), current_setting('threads'), current_setting('temp_directory')"
        )
    finally:
        w.close()
    assert res.rows == [("190.7 MiB", 1, str(tmp_path / "warehouse.tmp"))]


def test_a_bulk_load_runs_within_the_load_memory_budget_and_gives_the_pool_back(tmp_path: Path) -> None:
    wh = DuckDBWarehouse(tmp_path / "w.duckdb", memory_limit="512MB", load_memory_limit="96MB")
    try:

        def limit(tx: Any) -> str:
            return str(tx.execute("SELECT current_setting('memory_limit')")[0][0])

        def step(tx: Any) -> tuple[str, str, str]:
            before = limit(tx)
            with tx.bulk_load():
                during = limit(tx)
            return before, during, limit(tx)

        def failing(tx: Any) -> None:
            with tx.bulk_load():
                raise ValueError("the file could not be read")

        outcome = wh.submit(WriteOp(step=step)).result()
        assert isinstance(outcome, Written)
        before, during, after = outcome.value
        # DuckDB reports sizes in its own units (e.g. 488.2 MiB for 512MB): compare them by order.
        assert "MiB" in during and float(during.split()[0]) < 100 < float(before.split()[0])
        assert after == before
        with pytest.raises(ValueError):
            wh.submit(WriteOp(step=failing)).result()
        assert wh.submit(WriteOp(step=limit)).result().value == before  # restored after a failed load too
    finally:
        wh.close()


def test_memory_sizes_are_checked_before_they_reach_duckdb() -> None:
    from pydantic import ValidationError

    from traitbase.config import Settings

    with pytest.raises(ValidationError):
        Settings(warehouse_load_memory_limit="128MB'; DROP TABLE events; --")
    assert Settings(warehouse_load_memory_limit="2GB").warehouse_load_memory_limit == "2GB"
