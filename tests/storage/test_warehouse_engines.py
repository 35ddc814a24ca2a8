"""The warehouse protocol on every engine: DuckDB (embedded) and the real ClickHouse 18.16 server.

The same portable SQL runs on both (rendered by ``storage/sql``); answers must be equal.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from traitbase.errors import Unavailable
from traitbase.storage.warehouse import events as store
from traitbase.storage.warehouse.base import (
    IdempotencyRecord,
    Replayed,
    StoredAnswer,
    Warehouse,
    WriteOp,
    WriteTx,
    Written,
    events_table,
)
from traitbase.storage.warehouse.clickhouse import ClickHouseWarehouse
from traitbase.storage.warehouse.duckdb import DuckDBWarehouse

T0 = datetime(2019, 1, 1, 15, 4, 5)


@dataclass
class Engine:
    name: str
    open: Any  # (**kwargs) -> Warehouse
    slow_sql: str  # a query that runs for many seconds


@pytest.fixture(params=["duckdb", pytest.param("clickhouse", marks=pytest.mark.clickhouse)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    if request.param == "duckdb":
        return Engine(
            "duckdb",
            lambda **kw: DuckDBWarehouse(tmp_path / "wh.duckdb", **kw),
            "SELECT count(*) FROM range(100000000000) a WHERE a.range % 7 = 3",
        )
    url = request.getfixturevalue("clickhouse_url")
    return Engine(
        "clickhouse",
        lambda **kw: ClickHouseWarehouse(url, **kw),
        "SELECT count(*) FROM system.numbers WHERE number % 7 = 3",
    )


@pytest.fixture
def wh(engine: Engine) -> Iterator[Warehouse]:
    w = engine.open()
    yield w
    w.close()


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


def _hold_writer(wh: Warehouse) -> tuple[threading.Event, Any]:
    """Park the writer thread inside a step so that ops queued meanwhile form one group."""
    entered, release = threading.Event(), threading.Event()

    def park(_: WriteTx) -> None:
        entered.set()
        release.wait(10)

    fut = wh.submit(WriteOp(step=park))
    assert entered.wait(10)
    return release, fut


def _count(wh: Warehouse) -> int:
    return int(wh.read("SELECT count(*) FROM events").rows[0][0])


def _idem(key: str, body: bytes = b'{"n": 1}', fingerprint: str = "f1") -> IdempotencyRecord:
    return IdempotencyRecord(
        project="p1", environment="production", key=key, fingerprint=fingerprint, status=201, body=body
    )


def test_schema_is_at_the_latest_version_and_reopening_keeps_it(engine: Engine) -> None:
    w = engine.open()
    assert w.schema_version == 3  # type: ignore[attr-defined]
    w.close()
    again = engine.open()
    assert again.read("SELECT version FROM warehouse_schema ORDER BY version").rows == [(1,), (2,), (3,)]
    again.close()


def test_written_rows_survive_close_and_reopen(engine: Engine) -> None:
    w = engine.open()
    assert w.submit(WriteOp(events=_events(3), result="ok")).result(10) == Written("ok")
    w.close()
    again = engine.open()
    assert again.read("SELECT user_id, name, event_time FROM events ORDER BY user_id").rows == [
        ("u0", "buy_item", T0),
        ("u1", "buy_item", T0),
        ("u2", "buy_item", T0),
    ]
    again.close()


def test_requests_queued_together_commit_in_one_group_and_each_gets_its_answer(wh: Warehouse) -> None:
    release, parked = _hold_writer(wh)
    futures = [wh.submit(WriteOp(events=_events(10, user=f"r{i}-"), result=i)) for i in range(5)]
    release.set()
    assert parked.result(10) == Written(None)
    assert [f.result(10) for f in futures] == [Written(i) for i in range(5)]
    assert _count(wh) == 50


def test_one_failing_request_in_a_group_does_not_fail_the_others(wh: Warehouse) -> None:
    def broken(tx: WriteTx) -> None:
        tx.execute("SELECT * FROM no_such_table")

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


def test_same_idempotency_key_twice_in_one_group_writes_once_and_replays_the_first_answer(wh: Warehouse) -> None:
    release, _ = _hold_writer(wh)
    first = wh.submit(WriteOp(events=_events(3), idempotency=_idem("k1"), result="first"))
    second = wh.submit(WriteOp(events=_events(3), idempotency=_idem("k1", body=b"other"), result="second"))
    release.set()
    assert first.result(10) == Written("first")
    assert second.result(10) == Replayed(StoredAnswer(status=201, body=b'{"n": 1}', fingerprint="f1"))
    assert _count(wh) == 3


def test_idempotency_key_is_remembered_per_project_and_environment(wh: Warehouse) -> None:
    wh.submit(WriteOp(events=_events(1), idempotency=_idem("k2"))).result(10)
    assert wh.remembered(project="p1", environment="production", key="k2") == StoredAnswer(
        status=201, body=b'{"n": 1}', fingerprint="f1"
    )
    assert wh.remembered(project="p1", environment="sandbox", key="k2") is None
    assert wh.remembered(project="p2", environment="production", key="k2") is None
    again = wh.submit(WriteOp(events=_events(1), idempotency=_idem("k2"))).result(10)
    assert isinstance(again, Replayed)
    assert _count(wh) == 1


def test_idempotency_key_outside_its_window_is_forgotten(engine: Engine) -> None:
    w = engine.open(idempotency_ttl=0)
    try:
        w.submit(WriteOp(events=_events(1), idempotency=_idem("k3"))).result(10)
        assert w.remembered(project="p1", environment="production", key="k3") is None
        assert w.submit(WriteOp(events=_events(1), idempotency=_idem("k3"))).result(10) == Written(None)
        assert _count(w) == 2
    finally:
        w.close()


def test_read_over_the_row_cap_is_cut_and_marked_truncated(wh: Warehouse) -> None:
    wh.submit(WriteOp(events=_events(10))).result(10)
    result = wh.read("SELECT user_id AS u FROM events ORDER BY u", max_rows=3)
    assert (result.columns, result.rows, result.truncated) == (["u"], [("u0",), ("u1",), ("u2",)], True)
    whole = wh.read("SELECT user_id AS u FROM events WHERE user_id < ? ORDER BY u", ["u3"], max_rows=3)
    assert (whole.rows, whole.truncated) == ([("u0",), ("u1",), ("u2",)], False)


def test_read_past_its_time_limit_is_stopped(engine: Engine, wh: Warehouse) -> None:
    with pytest.raises(Unavailable, match=r"longer than 1 s"):
        wh.read(engine.slow_sql, timeout=1)


def test_items_upsert_keeps_the_latest_row_per_key(wh: Warehouse) -> None:
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

    for price in (25.5, 30.0):
        wh.submit(WriteOp(step=store.upsert_items_step(items(price)))).result(10)
    assert store.list_items(wh, project="p1", environment="production", limit=10) == [
        {"item_id": "1001", "price": 30.0, "currency": "USD", "name": "Axe", "type": "weapon", "updated_at": T0}
    ]


def test_level_ups_keep_the_highest_level_and_flag_decreases(wh: Warehouse) -> None:
    def levels(user_levels: list[int]) -> pa.Table:
        return events_table(
            {
                "project": "p1",
                "environment": "production",
                "event_time": T0,
                "received_at": T0,
                "kind": "level_up",
                "name": "level_up",
                "user_id": ["u1"] * len(user_levels),
                "level": user_levels,
            },
            rows=len(user_levels),
        )

    for batch in ([3, 5], [4]):
        t = levels(batch)
        wh.submit(WriteOp(events=t, step=store.LEVEL_POLICIES["check"](t))).result(10)
    rows = wh.read("SELECT level, flag FROM events ORDER BY level").rows
    assert rows == [(3, None), (4, "level_decrease"), (5, None)]


def test_sandbox_wipe_deletes_only_that_environment(wh: Warehouse) -> None:
    wh.submit(WriteOp(events=_events(2, environment="sandbox"), idempotency=_idem("w1"))).result(10)
    wh.submit(WriteOp(events=_events(3))).result(10)
    done = wh.submit(WriteOp(step=store.wipe_step(project="p1", environment="sandbox"))).result(30)
    assert isinstance(done, Written)
    assert done.value["events"] == 2
    assert store.count_events(wh, project="p1", environment="sandbox") == 0
    assert store.count_events(wh, project="p1", environment="production") == 3


def test_count_by_name_and_recent_events_read_the_same_on_every_engine(wh: Warehouse) -> None:
    wh.submit(WriteOp(events=_events(3))).result(10)
    got = store.count_by_name(wh, project="p1", environment="production", start=T0, end=datetime(2019, 1, 2), kind=None)
    assert got == [("action", "buy_item", 3)]
    recent = store.recent_events(wh, project="p1", environment="production", user_id="u1", limit=5, kind="action")
    assert [(e["user_id"], e["name"], e["event_time"], e["properties"]) for e in recent] == [
        ("u1", "buy_item", T0, '{"item_id": "3003"}')
    ]


def test_submit_after_close_is_refused(engine: Engine) -> None:
    w = engine.open()
    w.close()
    with pytest.raises(Unavailable):
        w.submit(WriteOp(events=_events(1)))
