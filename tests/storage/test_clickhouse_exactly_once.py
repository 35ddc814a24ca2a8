"""Exactly-once on ClickHouse without transactions: pending/done keys and batch ids (docs/warehouse.md)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

import pyarrow as pa
import pytest

from traitbase.errors import Conflict
from traitbase.storage.warehouse.base import IdempotencyRecord, Replayed, StoredAnswer, WriteOp, Written, events_table
from traitbase.storage.warehouse.clickhouse import PENDING, ClickHouseWarehouse, _Claim, _utcnow
from traitbase.storage.warehouse.duckdb import key_hash

pytestmark = pytest.mark.clickhouse

JAN, FEB = datetime(2019, 1, 31, 23, 0, 0), datetime(2019, 2, 1, 1, 0, 0)


def _events(times: list[datetime]) -> pa.Table:
    n = len(times)
    return events_table(
        {
            "project": "p1",
            "environment": "production",
            "event_time": pa.array(times, type=pa.timestamp("us")),
            "received_at": JAN,
            "kind": "action",
            "name": "buy",
            "user_id": [f"u{i}" for i in range(n)],
        },
        rows=n,
    )


def _idem(key: str) -> IdempotencyRecord:
    return IdempotencyRecord(project="p1", environment="production", key=key, fingerprint="f", status=201, body=b"{}")


@pytest.fixture
def wh(clickhouse_url: str) -> Iterator[ClickHouseWarehouse]:
    w = ClickHouseWarehouse(clickhouse_url, pending_timeout=30)
    yield w
    w.close()


def _dead_attempt(wh: ClickHouseWarehouse, key: str, stored: pa.Table, *, created_at: datetime) -> None:
    """What an attempt that died after its pending record and part of its rows leaves behind."""
    digest = key_hash("p1", "production", key)
    wh._record([_Claim(digest, _idem(key), uuid.uuid4().hex, created_at, adopted=False)], PENDING)
    with_batch = stored.append_column("batch_id", pa.repeat(pa.scalar(digest), stored.num_rows))
    names = list(with_batch.column_names)
    wh.client.insert_columns("events", names, [with_batch[c].to_pylist() for c in names])


def _stored(wh: ClickHouseWarehouse) -> list[tuple[str, datetime]]:
    return wh.read("SELECT user_id, event_time FROM events ORDER BY event_time, user_id").rows


def test_retry_after_a_crash_between_rows_and_done_stores_each_row_once(wh: ClickHouseWarehouse) -> None:
    request = _events([JAN, JAN, FEB])
    # The dead attempt got January's part in, not February's, and never recorded done.
    # It died a minute ago: longer than pending_timeout, well inside the key's window.
    _dead_attempt(wh, "k1", request.slice(0, 2), created_at=(_utcnow() - timedelta(seconds=60)).replace(microsecond=0))
    assert wh.submit(WriteOp(events=request, idempotency=_idem("k1"), result="ok")).result(10) == Written("ok")
    assert _stored(wh) == [("u0", JAN), ("u1", JAN), ("u2", FEB)]
    again = wh.submit(WriteOp(events=request, idempotency=_idem("k1"))).result(10)
    assert again == Replayed(StoredAnswer(status=201, body=b"{}", fingerprint="f"))
    assert len(_stored(wh)) == 3


def test_retry_while_the_first_attempt_is_still_pending_is_told_to_retry(wh: ClickHouseWarehouse) -> None:
    _dead_attempt(wh, "k2", _events([JAN]).slice(0, 0), created_at=_utcnow().replace(microsecond=0))
    with pytest.raises(Conflict, match="still being stored"):
        wh.submit(WriteOp(events=_events([JAN]), idempotency=_idem("k2"))).result(10)
    assert _stored(wh) == []


def test_every_row_carries_the_batch_id_of_its_push(wh: ClickHouseWarehouse) -> None:
    wh.submit(WriteOp(events=_events([JAN]), idempotency=_idem("k3"))).result(10)
    wh.submit(WriteOp(events=_events([FEB]))).result(10)
    rows = wh.client.query("SELECT batch_id FROM events ORDER BY event_time").rows
    assert rows[0] == (key_hash("p1", "production", "k3"),)
    assert len(rows[1][0]) == 32 and rows[1][0] != rows[0][0]
