"""The ClickHouse write step's view of the warehouse (``ChTx``) and the columnar insert helpers."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from traitbase.storage.sql import render
from traitbase.storage.warehouse.chschema import REVISION_TABLES, UPSERT_TABLES

if TYPE_CHECKING:
    from traitbase.storage.warehouse.clickhouse import ClickHouseWarehouse as Warehouse


def column_values(table: pa.Table, name: str) -> list[Any]:
    col = table[name]
    if pa.types.is_timestamp(col.type):
        # ClickHouse 18.16 DateTime has whole seconds. Epoch seconds as ints: the driver sends them
        # as they are, where datetimes cost a timezone conversion each.
        micros = col.cast(pa.timestamp("us")).cast(pa.int64())
        return pc.divide(micros, 1_000_000).to_pylist()
    return col.to_pylist()


def present_columns(table: pa.Table, names: Sequence[str]) -> list[str]:
    """The columns holding at least one value: an all-null column is left out of the insert (the
    server fills NULL, its default), which spares the driver a Python loop over every row of it."""
    return [c for c in names if table[c].null_count < table.num_rows]


class ChTx:
    """What a write step sees on ClickHouse: rendered SQL and columnar inserts, no transaction."""

    engine = "clickhouse"

    def __init__(self, wh: Warehouse) -> None:
        self.wh = wh
        self.client = wh.client
        # Writes a step wants to land last, after every other write of the group (see collect_chwrite).
        self.deferred: list[Callable[[], None]] = []

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        text = render(sql, params, "clickhouse", final_tables=UPSERT_TABLES)
        if text.startswith("ALTER TABLE") and " DELETE WHERE " in text:
            return [(self.wh.delete_where(text),)]
        return self.client.query(text).rows

    def insert_arrow(
        self, table_name: str, data: pa.Table, *, upsert_keys: Sequence[str] = (), upsert_where: str = ""
    ) -> None:
        # An upsert is an insert: the table is a ReplacingMergeTree on those keys (chschema.py), and a
        # conditional upsert (``upsert_where``) is that table's version column deciding which row wins.
        cols = present_columns(data, data.column_names)
        values = [column_values(data, c) for c in cols]
        if table_name in REVISION_TABLES:
            cols.append("revision")
            values.append([time.time_ns()] * data.num_rows)
        self.client.insert_columns(table_name, cols, values)

    def insert_columns(self, table_name: str, columns: Sequence[str], data: Sequence[Sequence[Any]]) -> None:
        self.client.insert_columns(table_name, columns, data)
