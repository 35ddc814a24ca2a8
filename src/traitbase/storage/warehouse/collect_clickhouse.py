"""The ClickHouse DDL of the tracker tables (scale mode), derived from ``collect.ALL_COLUMNS``.

Applied at start-up as a schema step of ``chschema.py``. Written for ClickHouse 18.16 (the server
Debian ships) and current versions: MergeTree family only, no ``DateTime64`` (whole seconds:
``DateTime('UTC')``, as the ``events`` table), ``LowCardinality`` only with
``allow_experimental_low_cardinality_type = 1`` at CREATE (``CREATE_SETTINGS``).

Nulls: a column the tracker may leave empty is ``Nullable`` (reads give NULL, as on DuckDB).
Sort, partition and version columns cannot be ``Nullable`` on 18.16 (``NOT_NULL``; the write
path stores their default instead of a null), nor can arrays (an absent array is stored empty).

Keys and partitions:
- event tables: ``PARTITION BY toYYYYMM(event_time)`` (a month per part set: retention drops whole
  partitions), ``ORDER BY (project, environment, url_base, event_time)`` — every heatmap query
  filters on project, environment and the page, then a time range;
- ``tracker_pageleaves``: ``ReplacingMergeTree(active_ms)`` ordered by the page-view key, so the
  leave with the most active time survives merges (reads use ``FINAL``) — the rule the DuckDB
  table applies on write with ``ON CONFLICT ... WHERE excluded.active_ms > active_ms``;
- ``tracker_visits`` / ``tracker_visitors`` (unpartitioned: versions of one key must share a
  partition, and a late event can move a visit's start into another month):
  ``ReplacingMergeTree(revision)`` on their key, ``revision`` being the writer's nanosecond clock at
  insert, so the latest state written wins (reads use ``FINAL``) — what ``ON CONFLICT DO UPDATE``
  does on DuckDB. Folding an absorbed visit's rows into another (rare) is an
  ``ALTER TABLE ... UPDATE`` mutation (``collect_chwrite.py``).
"""

from __future__ import annotations

from traitbase.storage.warehouse.collect import ALL_COLUMNS, EVENT_TABLES, EVENTS, PAGELEAVES, VISITORS, VISITS

_TYPES: dict[str, str] = {
    "str": "String",
    "lc": "LowCardinality(String)",
    "json": "String",
    "i64": "Int64",
    "i32": "Int32",
    "f64": "Float64",
    "bool": "UInt8",
    "ts": "DateTime('UTC')",
    "i64[]": "Array(Int64)",
    "str[]": "Array(String)",
    "f64[]": "Array(Float64)",
    "bool[]": "Array(UInt8)",
}
_NULLABLE: dict[str, str] = {
    **{k: f"Nullable({v})" for k, v in _TYPES.items() if not k.endswith("[]")},
    "lc": "LowCardinality(Nullable(String))",
}

CREATE_SETTINGS: dict[str, int] = {"allow_experimental_low_cardinality_type": 1}

# Columns in a sort key, a partition key or a version: never Nullable on 18.16.
NOT_NULL: frozenset[str] = frozenset(
    {"project", "environment", "event_time", "url_base", "kind", "page_key", "visit_key", "visitor_key", "active_ms"}
)
# The Replacing version of the keyed tables (added by the ClickHouse writer, not in collect.ALL_COLUMNS).
REVISION = "revision"

_EVENT_ENGINE = (
    "ENGINE = MergeTree PARTITION BY toYYYYMM(event_time) ORDER BY (project, environment, url_base, event_time)"
)
# Kinds share tracker_events: the kind leads the sort key after the tenant, so one kind's rows are contiguous.
_ENGINES_BY_KIND = (
    "ENGINE = MergeTree PARTITION BY toYYYYMM(event_time) ORDER BY (project, environment, kind, url_base, event_time)"
)

_ENGINES: dict[str, str] = {
    PAGELEAVES: (
        "ENGINE = ReplacingMergeTree(active_ms) PARTITION BY toYYYYMM(event_time) "
        "ORDER BY (project, environment, page_key)"
    ),
    VISITS: f"ENGINE = ReplacingMergeTree({REVISION}) ORDER BY (project, environment, visit_key)",
    VISITORS: f"ENGINE = ReplacingMergeTree({REVISION}) ORDER BY (project, environment, visitor_key)",
    EVENTS: _ENGINES_BY_KIND,
}
KEYED: frozenset[str] = frozenset({VISITS, VISITORS})


def _column(name: str, kind: str) -> str:
    return f"{name} {_TYPES[kind] if name in NOT_NULL else _NULLABLE.get(kind, _TYPES[kind])}"


def create_table(table: str) -> str:
    cols = [_column(name, kind) for name, kind in ALL_COLUMNS[table]]
    if table in KEYED:
        cols.append(f"{REVISION} UInt64")
    engine = _ENGINES.get(table, _EVENT_ENGINE if table in EVENT_TABLES else "")
    body = ",\n    ".join(cols)
    return f"CREATE TABLE IF NOT EXISTS {table} (\n    {body}\n) {engine}"


CLICKHOUSE_DDL: list[str] = [create_table(t) for t in ALL_COLUMNS]
