"""The tracker write steps on ClickHouse (scale mode), registered in ``collect.ENGINE_STEPS``.

The domain's group step (``domain/collect/store.py``) is the same on both engines; only these
differ from DuckDB's:

- reads of the current visitor / visit state go through ``ChTx.execute``, which reads the
  ReplacingMergeTree tables ``FINAL`` (``chschema.UPSERT_TABLES``): each key's latest row only;
- an upsert is a plain columnar insert (rows as data, never literals): ``tracker_visits`` and
  ``tracker_visitors`` replace on their key by ``revision`` (ChTx adds it), ``tracker_pageleaves``
  keeps the leave with the most ``active_ms`` (its Replacing version) — ON CONFLICT on DuckDB;
- sort, partition and version columns cannot hold NULL (``collect_clickhouse.NOT_NULL``), nor can
  arrays: nulls there are stored as the column's default (``''``, ``0``, ``[]``);
- folding absorbed visits is an ``ALTER TABLE ... UPDATE`` mutation per event table, waited for.

Every visit and visitor state lives in the server, read at the start of each group commit, so
processes sharing one ClickHouse server assign visits from the same state (docs/collect.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from traitbase.storage.warehouse import collect
from traitbase.storage.warehouse.base import WriteTx
from traitbase.storage.warehouse.collect_clickhouse import NOT_NULL

_SORT = [("project", "ascending"), ("environment", "ascending"), ("event_time", "ascending")]


def _defaults(data: pa.Table) -> pa.Table:
    """Nulls replaced by the column's default where ClickHouse cannot store NULL (keys, arrays)."""
    for i, f in enumerate(data.schema):
        col = data.column(i)
        if not col.null_count or not (f.name in NOT_NULL or pa.types.is_list(f.type)):
            continue
        if pa.types.is_list(f.type):
            filled = pa.array([v if v is not None else [] for v in col.to_pylist()], type=f.type)
        elif pa.types.is_string(f.type):
            filled = pc.fill_null(col, "")
        else:
            filled = pc.fill_null(col, pa.scalar(0, type=f.type))
        data = data.set_column(i, f, filled)
    return data


def insert_events(tx: WriteTx, table: str, data: pa.Table) -> None:
    if data.num_rows:
        tx.insert_arrow(table, _defaults(data).sort_by(_SORT))


def load_visits(tx: WriteTx, keys: Sequence[int]) -> list[tuple[Any, ...]]:
    if not keys:
        return []
    cols = ", ".join(collect.VISIT_STATE + collect.VISIT_PAGES)
    keys_sql = ", ".join(str(int(k)) for k in keys)
    return tx.execute(f"SELECT {cols} FROM {collect.VISITS} WHERE visit_key IN ({keys_sql})")


def write_keyed(tx: WriteTx, table: str, data: pa.Table, *, known: bool) -> None:
    # Known or new, a row is an insert: the latest revision of a key is its state.
    if not data.num_rows:
        return
    rows = _defaults(data)
    deferred = getattr(tx, "deferred", None)
    if table == collect.VISITORS and deferred is not None:
        # No transaction: the visitor row (which lists the batches stored) goes in after the event
        # rows, so a crash in between leaves a retry that is stored again, never one dropped as seen.
        deferred.append(lambda: tx.insert_arrow(table, rows))
        return
    tx.insert_arrow(table, rows)


def fold_visits(tx: WriteTx, *, merged: dict[int, int]) -> None:
    if not merged:
        return
    # Typed elements: transform() wants Array(Int64) like the column, whatever the literals' sizes.
    olds = ", ".join(f"toInt64({int(k)})" for k in merged)
    news = ", ".join(f"toInt64({int(v)})" for v in merged.values())
    wh = getattr(tx, "wh")  # noqa: B009  (ChTx's warehouse: the mutation is waited for there)
    for table in collect.EVENT_TABLES:
        wh.client.command(
            f"ALTER TABLE {table} UPDATE visit_key = transform(visit_key, [{olds}], [{news}], visit_key) "
            f"WHERE visit_key IN ({olds})"
        )
        wh.wait_mutations(table)
    tx.execute(f"DELETE FROM {collect.VISITS} WHERE visit_key IN ({olds})")


def register() -> None:
    """Make these the tracker steps of every ClickHouse write (called by clickhouse.py at import)."""
    collect.ENGINE_STEPS["clickhouse"] = collect.EngineSteps(insert_events, load_visits, write_keyed, fold_visits)
