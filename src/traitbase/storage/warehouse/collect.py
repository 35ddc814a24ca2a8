"""Tracker tables (web collection) in the warehouse: one column spec, DuckDB DDL, Arrow schemas, state I/O.

Every table is described once in ``TABLES`` (column, portable type); the DuckDB DDL here, the
Arrow schemas the write path builds and the ClickHouse DDL (``collect_clickhouse.py``) are all
derived from it, so the three cannot drift apart.

Layout, for heatmap queries over tens of millions of rows:
- visitor, visit and page-view ids are 64-bit integer keys (hashes), never strings;
- dimension columns are low-cardinality strings (DuckDB dictionary-compresses them by itself;
  ClickHouse declares them ``LowCardinality``);
- event tables are append-only and each group commit is inserted sorted by
  (project, environment, event_time), so DuckDB's zonemaps skip row groups outside a range;
- page views, page leaves and clicks have their own tables; every other kind shares
  ``tracker_events`` (one insert per group commit for all of them);
- a page view's blocks are arrays on its page-leave row (one row per page view, never one per
  block), so block metrics aggregate with ``unnest`` / ``arrayJoin`` without multiplying rows;
- three small keyed tables hold what changes: the visitor's visit state, the visits, and the
  page leave kept per page view (the one with the most active time).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from typing import Any

import pyarrow as pa

from traitbase.storage.warehouse.base import WriteTx

# portable type -> (DuckDB type, Arrow type)
_TYPES: dict[str, tuple[str, pa.DataType]] = {
    "str": ("VARCHAR", pa.string()),
    "lc": ("VARCHAR", pa.string()),
    "json": ("JSON", pa.string()),
    "i64": ("BIGINT", pa.int64()),
    "i32": ("INTEGER", pa.int32()),
    "f64": ("DOUBLE", pa.float64()),
    "bool": ("BOOLEAN", pa.bool_()),
    "ts": ("TIMESTAMP", pa.timestamp("us")),
    "i64[]": ("BIGINT[]", pa.list_(pa.int64())),
    "str[]": ("VARCHAR[]", pa.list_(pa.string())),
    "f64[]": ("DOUBLE[]", pa.list_(pa.float64())),
    "bool[]": ("BOOLEAN[]", pa.list_(pa.bool_())),
}

Columns = tuple[tuple[str, str], ...]

COMMON: Columns = (
    ("project", "lc"),
    ("environment", "lc"),
    ("event_time", "ts"),
    ("received_at", "ts"),
    ("visitor_key", "i64"),
    ("visit_key", "i64"),
    ("page_key", "i64"),
    ("url", "str"),
    ("url_base", "str"),
    ("device_type", "lc"),
    ("is_bot", "bool"),
)

PAGEVIEWS = "tracker_pageviews"
PAGELEAVES = "tracker_pageleaves"
CLICKS = "tracker_clicks"
EVENTS = "tracker_events"

# tracker_events columns by kind: element_view (element), conversion (goal), custom (name,
# properties), dimension (name, value), experience (experience, version, action, goal, fields),
# identify (user_id).
SPARSE: Columns = (
    ("element", "lc"),
    ("goal", "lc"),
    ("name", "lc"),
    ("value", "str"),
    ("properties", "json"),
    ("experience", "lc"),
    ("version", "lc"),
    ("action", "lc"),
    ("fields", "json"),
    ("user_id", "str"),
)
SPARSE_NAMES: tuple[str, ...] = tuple(name for name, _ in SPARSE)
VISITS = "tracker_visits"
VISITORS = "tracker_visitors"

EVENT_TABLES: dict[str, Columns] = {
    PAGEVIEWS: (
        *COMMON,
        ("title", "str"),
        ("referrer", "str"),
        ("source_type", "lc"),
        ("search_engine", "lc"),
        ("social_network", "lc"),
        ("social_url", "str"),
        ("ai_name", "lc"),
        ("referral_source", "lc"),
        ("referral_url", "str"),
        ("campaign_url", "str"),
        ("utm_source", "lc"),
        ("utm_medium", "lc"),
        ("utm_campaign", "lc"),
        ("utm_term", "lc"),
        ("utm_content", "lc"),
        ("os", "lc"),
        ("os_version", "lc"),
        ("browser", "lc"),
        ("browser_version", "lc"),
        ("device_brand", "lc"),
        ("screen_resolution", "lc"),
        ("viewport_width", "i32"),
        ("viewport_height", "i32"),
        ("language", "lc"),
        ("country", "lc"),
        ("region", "lc"),
        ("page_height", "i32"),
    ),
    PAGELEAVES: (
        *COMMON,
        ("active_ms", "i64"),
        ("max_scroll", "i32"),
        ("page_height", "i32"),
        ("scroll_fraction", "f64"),
        ("block_names", "str[]"),
        ("block_seconds", "f64[]"),
        ("block_seen", "bool[]"),
    ),
    CLICKS: (*COMMON, ("x", "f64"), ("y", "i32"), ("selector", "str"), ("text", "str"), ("element", "lc")),
    # Every other kind, one row each, in one table: a request's element impressions, conversions,
    # custom events, dimensions, experience actions and identifies cost one insert, not six.
    # Columns a kind does not use are NULL (free in a columnar store).
    EVENTS: (*COMMON, ("kind", "lc"), *SPARSE),
}

VISIT_COLUMNS: Columns = (
    ("visit_key", "i64"),
    ("project", "lc"),
    ("environment", "lc"),
    ("visitor_key", "i64"),
    ("visit_number", "i32"),
    ("start_time", "ts"),
    ("end_time", "ts"),
    ("events", "i32"),
    ("pageviews", "i32"),
    ("entry_page_key", "i64"),
    ("entry_url", "str"),
    ("exit_page_key", "i64"),
    ("exit_url", "str"),
    ("source_type", "lc"),
    ("device_type", "lc"),
    ("is_bot", "bool"),
    ("page_keys", "i64[]"),
    ("page_times", "i64[]"),
    ("page_urls", "str[]"),
    ("page_sources", "str[]"),
    ("updated_at", "ts"),
)

VISITOR_COLUMNS: Columns = (
    ("visitor_key", "i64"),
    ("project", "lc"),
    ("environment", "lc"),
    ("first_seen", "ts"),
    ("last_seen", "ts"),
    ("visit_count", "i32"),
    ("recent_visits", "i64[]"),
    ("recent_batches", "i64[]"),  # keys of the last batches stored: a retried batch is dropped
)

# Keyed tables: (columns, the key an upsert replaces on).
KEYED_TABLES: dict[str, tuple[Columns, str]] = {
    VISITS: (VISIT_COLUMNS, "visit_key"),
    VISITORS: (VISITOR_COLUMNS, "visitor_key"),
}
ALL_COLUMNS: dict[str, Columns] = {**EVENT_TABLES, **{t: c for t, (c, _) in KEYED_TABLES.items()}}
TABLE_NAMES: tuple[str, ...] = tuple(ALL_COLUMNS)


def arrow_schema(table: str) -> pa.Schema:
    return pa.schema([pa.field(name, _TYPES[kind][1]) for name, kind in ALL_COLUMNS[table]])


SCHEMAS: dict[str, pa.Schema] = {t: arrow_schema(t) for t in TABLE_NAMES}


def _duckdb_create(table: str) -> str:
    cols = ",\n    ".join(f"{name} {_TYPES[kind][0]}" for name, kind in ALL_COLUMNS[table])
    key = KEYED_TABLES.get(table)
    pk = f",\n    PRIMARY KEY ({key[1]})" if key else ""
    return f"CREATE TABLE IF NOT EXISTS {table} (\n    {cols}{pk}\n)"


# The page leave kept per page view is the one with the most active time (a page hide sends
# two beacons): keyed on page_key, replaced only by a leave that saw more.
_PAGELEAVE_KEY = "CREATE UNIQUE INDEX IF NOT EXISTS tracker_pageleaves_page ON tracker_pageleaves (page_key)"

DUCKDB_DDL: list[str] = [_duckdb_create(t) for t in TABLE_NAMES] + [_PAGELEAVE_KEY]


def table_from_columns(table: str, columns: dict[str, Any], rows: int) -> pa.Table:
    """An Arrow table of ``table``'s schema; absent columns are null, scalars repeat for every row."""
    schema = SCHEMAS[table]
    arrays = []
    for f in schema:
        v = columns.get(f.name)
        if v is None:
            arrays.append(pa.nulls(rows, f.type))
        elif isinstance(v, pa.Array):
            arrays.append(v)
        elif isinstance(v, list | tuple):
            arrays.append(pa.array(v, type=f.type))
        else:
            arrays.append(pa.repeat(pa.scalar(v, type=f.type), rows))
    return pa.Table.from_arrays(arrays, schema=schema)


def table_from_rows(
    table: str,
    fields: Sequence[str],
    rows: list[tuple[Any, ...]],
    *,
    counts: Sequence[int],
    per_request: dict[str, list[Any]],
    columns: dict[str, Any],
) -> pa.Table:
    """An Arrow table of ``table``'s schema from row tuples (``fields`` order), values per request and columns.

    ``rows`` holds several requests' rows one after the other, ``counts[i]`` of request i; each
    ``per_request`` column holds one value per request, spread over that request's rows. The
    tuples are converted in one pass as a struct array and split into columns: several times
    cheaper than transposing them in Python and converting column by column.
    """
    schema = SCHEMAS[table]
    struct = pa.struct([schema.field(name) for name in fields])
    parts: dict[str, Any] = dict(zip(fields, pa.array(rows, type=struct).flatten(), strict=True))
    owner = pa.array(list(chain.from_iterable(repeat(i, n) for i, n in enumerate(counts))), type=pa.int32())
    for name, values in per_request.items():
        parts[name] = pa.array(values, type=schema.field(name).type).take(owner)
    return table_from_columns(table, {**columns, **parts}, len(rows))


# --- the writer-thread steps ---------------------------------------------------------------
_SORT = [("project", "ascending"), ("environment", "ascending"), ("event_time", "ascending")]


def _duckdb_insert_events(tx: WriteTx, table: str, data: pa.Table) -> None:
    if not data.num_rows:
        return
    if table == PAGELEAVES:
        tx.insert_arrow(
            table,
            data,
            upsert_keys=("page_key",),
            upsert_where=f"excluded.active_ms > {PAGELEAVES}.active_ms",
        )
        return
    tx.insert_arrow(table, data.sort_by(_SORT))


def _duckdb_insert_new_leaves(tx: WriteTx, data: pa.Table) -> None:
    # No stored leave can share a page key (see insert_new_leaves): a plain insert, sorted like the others.
    if data.num_rows:
        tx.insert_arrow(PAGELEAVES, data.sort_by(_SORT))


def _int_list(keys: Sequence[int]) -> str:
    """Integer keys inlined as literals: DuckDB answers ``key IN (1, 2, …)`` from the primary-key index,
    where a parameter list (``IN (SELECT unnest(?))``) becomes a scan of the whole table."""
    return ", ".join(str(int(k)) for k in keys)


@dataclass(frozen=True)
class VisitorState:
    visit_count: int
    recent_visits: list[int]
    recent_batches: list[int]
    first_seen: Any


def load_visitors(tx: WriteTx, keys: Sequence[int]) -> dict[int, VisitorState]:
    """The stored state of those of these visitors that exist."""
    if not keys:
        return {}
    rows = tx.execute(
        f"SELECT visitor_key, visit_count, recent_visits, recent_batches, first_seen FROM {VISITORS} "
        f"WHERE visitor_key IN ({_int_list(keys)})"
    )
    return {
        int(r[0]): VisitorState(
            visit_count=int(r[1]),
            recent_visits=[int(k) for k in r[2] or []],
            recent_batches=[int(k) for k in r[3] or []],
            first_seen=r[4],
        )
        for r in rows
    }


VISIT_STATE = ("visit_key", "visitor_key", "visit_number", "start_time", "end_time", "events")
VISIT_PAGES = ("page_keys", "page_times", "page_urls", "page_sources")


def _duckdb_load_visits(tx: WriteTx, keys: Sequence[int]) -> list[tuple[Any, ...]]:
    if not keys:
        return []
    cols = ", ".join(VISIT_STATE + VISIT_PAGES)
    return tx.execute(f"SELECT {cols} FROM {VISITS} WHERE visit_key IN (SELECT unnest(?::BIGINT[]))", [list(keys)])


def _duckdb_write_keyed(tx: WriteTx, table: str, data: pa.Table, *, known: bool) -> None:
    if data.num_rows:
        tx.insert_arrow(table, data, upsert_keys=(KEYED_TABLES[table][1],) if known else ())


def _duckdb_fold_visits(tx: WriteTx, *, merged: dict[int, int]) -> None:
    # Rare (only when a late event closes the gap between two visits), so plain UPDATEs do.
    if not merged:
        return
    olds, news = list(merged), list(merged.values())
    for table in EVENT_TABLES:
        tx.execute(
            f"UPDATE {table} SET visit_key = m.new FROM (SELECT unnest(?::BIGINT[]) AS old, "
            f"unnest(?::BIGINT[]) AS new) m WHERE {table}.visit_key = m.old",
            [olds, news],
        )
    tx.execute(f"DELETE FROM {VISITS} WHERE visit_key IN ({_int_list(olds)})")


# --- the same steps per warehouse engine (a registry: collect_chwrite.py adds ClickHouse's) ---
@dataclass(frozen=True)
class EngineSteps:
    insert_events: Callable[[WriteTx, str, pa.Table], None]
    load_visits: Callable[[WriteTx, Sequence[int]], list[tuple[Any, ...]]]
    write_keyed: Callable[..., None]
    fold_visits: Callable[..., None]
    # Page leaves that cannot replace a stored one; None: the same as insert_events.
    insert_new_leaves: Callable[[WriteTx, pa.Table], None] | None = None


ENGINE_STEPS: dict[str, EngineSteps] = {
    "duckdb": EngineSteps(
        _duckdb_insert_events,
        _duckdb_load_visits,
        _duckdb_write_keyed,
        _duckdb_fold_visits,
        insert_new_leaves=_duckdb_insert_new_leaves,
    ),
}


def _steps(tx: WriteTx) -> EngineSteps:
    # A tx names its engine (ChTx.engine); DuckDB's does not, and is the default.
    return ENGINE_STEPS[str(getattr(tx, "engine", "duckdb"))]


def insert_events(tx: WriteTx, table: str, data: pa.Table) -> None:
    """Append event rows; a page leave is kept per page view only if it saw the most active time."""
    _steps(tx).insert_events(tx, table, data)


def insert_new_leaves(tx: WriteTx, data: pa.Table) -> None:
    """Page leaves of page views that are new in this commit, at most one per page key.

    The caller vouches that no stored leave has any of these page keys (their visitor has no
    stored state, and a page key includes the visitor), so nothing needs replacing: on DuckDB a
    plain insert instead of ``ON CONFLICT ... DO UPDATE``, the dearest statement of a group.
    """
    steps = _steps(tx)
    if steps.insert_new_leaves is None:
        steps.insert_events(tx, PAGELEAVES, data)
    else:
        steps.insert_new_leaves(tx, data)


def load_visits(tx: WriteTx, keys: Sequence[int]) -> list[tuple[Any, ...]]:
    """Rows of (VISIT_STATE..., VISIT_PAGES...) for these visit keys (their current state)."""
    return _steps(tx).load_visits(tx, keys)


def write_keyed(tx: WriteTx, table: str, data: pa.Table, *, known: bool) -> None:
    """Rows of a keyed table: ``known`` ones replace stored rows, new ones are plain inserts (cheaper)."""
    _steps(tx).write_keyed(tx, table, data, known=known)


def fold_visits(tx: WriteTx, *, merged: dict[int, int]) -> None:
    """Re-point every row of absorbed visits at the visit they were folded into, and drop them."""
    _steps(tx).fold_visits(tx, merged=merged)
