"""SQL of the event store: write steps (catalogue, levels, wipes) and the read-back queries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pyarrow as pa

from traitbase.storage.warehouse.base import Step, Warehouse, WriteTx
from traitbase.storage.warehouse.schema import TENANT_TABLES

ITEM_KEYS = ("project", "environment", "item_id")
LEVEL_KEYS = ("project", "environment", "user_id")


def upsert_items_step(items: pa.Table) -> Step:
    """Upsert catalogue rows by item id (the last of duplicates in one request wins)."""

    def step(tx: WriteTx) -> None:
        tx.insert_arrow("items", _last_per_key(items, ITEM_KEYS), upsert_keys=ITEM_KEYS)

    return step


def _last_per_key(table: pa.Table, keys: tuple[str, ...]) -> pa.Table:
    # ON CONFLICT may not touch one row twice in a statement: keep each key's last row.
    cols = [table[k].to_pylist() for k in keys]
    last: dict[tuple[Any, ...], int] = {}
    for i, key in enumerate(zip(*cols, strict=True)):
        last[key] = i
    if len(last) == table.num_rows:
        return table
    return table.take(pa.array(sorted(last.values()), type=pa.int64()))


def known_levels(tx: WriteTx, *, project: str, environment: str, users: list[str]) -> dict[str, int]:
    """The stored level of each of ``users`` that has one."""
    rows = tx.execute(
        "SELECT user_id, level FROM user_levels WHERE project = ? AND environment = ? AND list_contains(?, user_id)",
        [project, environment, users],
    )
    return {str(u): int(lv) for u, lv in rows}


def raise_levels(tx: WriteTx, *, project: str, environment: str, raised: dict[str, int], now: datetime) -> None:
    """Store new (higher) known levels; the caller decided they are higher."""
    tx.insert_arrow(
        "user_levels",
        pa.table(
            {
                "project": [project] * len(raised),
                "environment": [environment] * len(raised),
                "user_id": list(raised),
                "level": pa.array(list(raised.values()), type=pa.int64()),
                "updated_at": pa.array([now] * len(raised), type=pa.timestamp("us")),
            }
        ),
        upsert_keys=LEVEL_KEYS,
    )


def wipe_step(*, project: str, environment: str) -> Step:
    """Delete one project environment's rows from every tenant table; returns rows deleted per table."""

    def step(tx: WriteTx) -> dict[str, int]:
        # What a single writer keeps of the rows it wrote (e.g. visitor state) is void now.
        cache = getattr(tx, "writer_cache", None)
        if cache is not None:
            cache.clear()
        deleted: dict[str, int] = {}
        for table in TENANT_TABLES:
            rows = tx.execute(f"DELETE FROM {table} WHERE project = ? AND environment = ?", [project, environment])
            deleted[table] = int(rows[0][0]) if rows else 0
        return deleted

    return step


_EVENT_OUT = (
    "event_time, received_at, kind, name, user_id, event_id, item_id, quantity, amount, currency, level, "
    "target_user_id, platform, device, country, language, flag, properties"
)


def recent_events(
    wh: Warehouse, *, project: str, environment: str, user_id: str, limit: int, kind: str | None
) -> list[dict[str, Any]]:
    sql = f"SELECT {_EVENT_OUT} FROM events WHERE project = ? AND environment = ? AND user_id = ?"
    params: list[Any] = [project, environment, user_id]
    if kind is not None:
        sql += " AND kind = ?"
        params.append(kind)
    sql += " ORDER BY event_time DESC, received_at DESC LIMIT ?"
    params.append(limit)
    result = wh.read(sql, params, max_rows=limit)
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


def count_by_name(
    wh: Warehouse, *, project: str, environment: str, start: datetime, end: datetime, kind: str | None
) -> list[tuple[str, str, int]]:
    """(kind, name, events) for events with start <= event_time < end, most frequent first."""
    sql = (
        "SELECT kind, name, count(*) AS events FROM events WHERE project = ? AND environment = ? "
        "AND event_time >= ? AND event_time < ?"
    )
    params: list[Any] = [project, environment, start, end]
    if kind is not None:
        sql += " AND kind = ?"
        params.append(kind)
    sql += " GROUP BY kind, name ORDER BY events DESC, kind, name"
    return [(str(k), str(n), int(c)) for k, n, c in wh.read(sql, params).rows]


def list_items(wh: Warehouse, *, project: str, environment: str, limit: int) -> list[dict[str, Any]]:
    result = wh.read(
        "SELECT item_id, price, currency, name, type, updated_at FROM items "
        "WHERE project = ? AND environment = ? ORDER BY item_id LIMIT ?",
        [project, environment, limit],
        max_rows=limit,
    )
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


def count_events(wh: Warehouse, *, project: str, environment: str) -> int:
    rows = wh.read("SELECT count(*) FROM events WHERE project = ? AND environment = ?", [project, environment]).rows
    return int(rows[0][0])
