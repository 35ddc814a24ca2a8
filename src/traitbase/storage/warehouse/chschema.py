"""The warehouse schema on ClickHouse: a versioned list of DDL steps, applied in order at start-up.

Same tables and columns as the DuckDB schema (``schema.py``), laid out for ClickHouse 18.16 (and
current versions). Why each layout (docs/warehouse.md, "ClickHouse layout"):

- ``events``: MergeTree, ``PARTITION BY toYYYYMM(event_time)`` (a month is a few parts to
  merge, time filters prune whole partitions, and a month is the unit of exactly-once repair),
  ``ORDER BY (project, environment, kind, name, event_time)``: every query is for one project
  environment, most filter or group by event kind and name over a time range, so those reads are
  contiguous ranges of the sparse index. ``batch_id`` ties rows to the push that wrote them.
- ``idempotency_keys``: ReplacingMergeTree keyed by the key's hash; a pending row is superseded by
  its done row (``revision``). Partitioned by day so expiry drops whole partitions (no mutation).
- ``items`` / ``user_levels``: ReplacingMergeTree keyed like the DuckDB primary keys; the upsert is
  an insert, reads use FINAL (``UPSERT_TABLES``). ``user_levels`` keeps the highest level
  (the level is its version column).
- tracker tables (web collection): ``collect_clickhouse.py``; the visits, visitors and kept page
  leaves are ReplacingMergeTree and read with FINAL.
- ``audience_members``: MergeTree ordered by (project, environment, audience_id, version,
  member_id): counts, exports (in id order) and membership checks of one version read one range.

Statements must be idempotent (IF NOT EXISTS): two processes starting together may both apply them.
"""

from __future__ import annotations

from traitbase.storage.warehouse import collect, collect_clickhouse

_EVENTS = """
CREATE TABLE IF NOT EXISTS events (
    project String,
    environment String,
    event_time DateTime('UTC'),
    received_at DateTime('UTC'),
    kind String,
    name String,
    user_id Nullable(String),
    visitor_id Nullable(String),
    session_id Nullable(String),
    event_id Nullable(String),
    item_id Nullable(String),
    quantity Nullable(Int64),
    amount Nullable(Float64),
    currency Nullable(String),
    level Nullable(Int64),
    target_user_id Nullable(String),
    platform Nullable(String),
    device Nullable(String),
    country Nullable(String),
    language Nullable(String),
    url Nullable(String),
    referrer Nullable(String),
    flag Nullable(String),
    properties Nullable(String),
    batch_id String
) ENGINE = MergeTree
PARTITION BY toYYYYMM(event_time)
ORDER BY (project, environment, kind, name, event_time)
"""

_IDEMPOTENCY = """
CREATE TABLE IF NOT EXISTS idempotency_keys (
    key_hash String,
    project String,
    environment String,
    idem_key String,
    fingerprint String,
    status Int32,
    body String,
    created_at DateTime('UTC'),
    state UInt8,
    attempt String,
    revision UInt64
) ENGINE = ReplacingMergeTree(revision)
PARTITION BY toYYYYMMDD(created_at)
ORDER BY (project, environment, key_hash, attempt)
"""

_ITEMS = """
CREATE TABLE IF NOT EXISTS items (
    project String,
    environment String,
    item_id String,
    price Float64,
    currency String,
    name String,
    type Nullable(String),
    updated_at DateTime('UTC'),
    revision UInt64
) ENGINE = ReplacingMergeTree(revision)
ORDER BY (project, environment, item_id)
"""

_USER_LEVELS = """
CREATE TABLE IF NOT EXISTS user_levels (
    project String,
    environment String,
    user_id String,
    level Int64,
    updated_at DateTime('UTC')
) ENGINE = ReplacingMergeTree(level)
ORDER BY (project, environment, user_id)
"""

_AUDIENCE_MEMBERS = """
CREATE TABLE IF NOT EXISTS audience_members (
    project String,
    environment String,
    audience_id Int64,
    version Int32,
    device_type Nullable(Int16),
    member_id String
) ENGINE = MergeTree
ORDER BY (project, environment, audience_id, version, member_id)
"""

VERSION_TABLE = "warehouse_schema"
VERSION_DDL = (
    f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (version Int32, applied_at DateTime('UTC')) "
    "ENGINE = MergeTree ORDER BY version"
)

MIGRATIONS: list[tuple[int, list[str]]] = [
    (1, [_EVENTS, _IDEMPOTENCY, _ITEMS, _USER_LEVELS]),
    (2, [_AUDIENCE_MEMBERS]),
    # Web collection (tracker) tables: storage/warehouse/collect_clickhouse.py.
    (3, collect_clickhouse.CLICKHOUSE_DDL),
]
# Every schema step runs with these (LowCardinality columns need it at CREATE on 18.16).
MIGRATION_SETTINGS: dict[str, int] = dict(collect_clickhouse.CREATE_SETTINGS)

# Tables whose rows are upserts: read with FINAL so each key shows only its latest row.
UPSERT_TABLES: frozenset[str] = frozenset(
    {"items", "user_levels", collect.VISITS, collect.VISITORS, collect.PAGELEAVES}
)
# Columns the ClickHouse writer adds to an upserted table's rows (the Replacing version).
REVISION_TABLES: frozenset[str] = frozenset({"items", *collect_clickhouse.KEYED})
