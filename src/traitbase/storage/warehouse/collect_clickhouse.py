"""The intended ClickHouse DDL of the tracker tables (scale mode), derived from ``collect.TABLES``.

Only DDL text: the ClickHouse warehouse itself is built elsewhere. Written for ClickHouse 18.16
(the server Debian ships): MergeTree family only, no ``DateTime64`` (seconds are enough for
visits; sub-second order inside a page view is not queried), ``LowCardinality`` only with
``allow_experimental_low_cardinality_type = 1`` at CREATE, no window functions needed by the
layout.

Keys and partitions:
- event tables: ``PARTITION BY toYYYYMM(event_time)`` (a month per part set: retention drops whole
  partitions), ``ORDER BY (project, environment, url_base, event_time)`` — every heatmap query
  filters on project, environment and the page, then a time range;
- ``tracker_pageleaves``: ``ReplacingMergeTree(active_ms)`` ordered by the page-view key, so the
  leave with the most active time survives merges (queries use ``FINAL`` or ``argMax``) — the
  same rule the DuckDB table applies on write;
- ``tracker_visits`` / ``tracker_visitors`` (unpartitioned): ``ReplacingMergeTree(updated_at)`` /
  ``ReplacingMergeTree(last_seen)`` on their key: the latest version of a visit wins. Folding an
  absorbed visit's rows into another (rare) is an ``ALTER TABLE ... UPDATE`` mutation there.
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
    "ts": "DateTime",
    "i64[]": "Array(Int64)",
    "str[]": "Array(String)",
    "f64[]": "Array(Float64)",
    "bool[]": "Array(UInt8)",
}

SETTINGS = "SET allow_experimental_low_cardinality_type = 1"

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
    # Not partitioned: a late event can move a visit's start into another month, and versions
    # of one key must share a partition to replace each other.
    VISITS: "ENGINE = ReplacingMergeTree(updated_at) ORDER BY (project, environment, visit_key)",
    VISITORS: "ENGINE = ReplacingMergeTree(last_seen) ORDER BY (project, environment, visitor_key)",
    EVENTS: _ENGINES_BY_KIND,
}


def create_table(table: str) -> str:
    cols = ",\n    ".join(f"{name} {_TYPES[kind]}" for name, kind in ALL_COLUMNS[table])
    engine = _ENGINES.get(table, _EVENT_ENGINE if table in EVENT_TABLES else "")
    return f"CREATE TABLE IF NOT EXISTS {table} (\n    {cols}\n) {engine}"


CLICKHOUSE_DDL: list[str] = [SETTINGS] + [create_table(t) for t in ALL_COLUMNS]
