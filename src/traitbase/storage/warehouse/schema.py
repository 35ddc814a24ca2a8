"""Warehouse schema as a short, versioned list of DDL steps (applied in order, once each).

Append a new ``(version, [statements])`` entry for every change; never edit an applied one.
``TENANT_TABLES`` lists every table holding tenant rows (``project`` + ``environment``
columns) so that wiping a sandbox reaches all of them, including tables added later.
"""

from __future__ import annotations

from traitbase.storage.warehouse import collect

# DuckDB keeps per-row-group min/max (zonemaps); the writer sorts each group commit by
# (project, environment, event_time) and events arrive roughly in time order, so filters on
# project and time skip most row groups. A ClickHouse table would be
# ORDER BY (project, environment, kind, name, event_time), PARTITION BY toYYYYMM(event_time).
_EVENTS = """
CREATE TABLE IF NOT EXISTS events (
    project VARCHAR NOT NULL,
    environment VARCHAR NOT NULL,
    event_time TIMESTAMP NOT NULL,
    received_at TIMESTAMP NOT NULL,
    kind VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    user_id VARCHAR,
    visitor_id VARCHAR,
    session_id VARCHAR,
    event_id VARCHAR,
    item_id VARCHAR,
    quantity BIGINT,
    amount DOUBLE,
    currency VARCHAR,
    level BIGINT,
    target_user_id VARCHAR,
    platform VARCHAR,
    device VARCHAR,
    country VARCHAR,
    language VARCHAR,
    url VARCHAR,
    referrer VARCHAR,
    flag VARCHAR,
    properties JSON
)
"""

_IDEMPOTENCY = """
CREATE TABLE IF NOT EXISTS idempotency_keys (
    key_hash VARCHAR NOT NULL,
    project VARCHAR NOT NULL,
    environment VARCHAR NOT NULL,
    idem_key VARCHAR NOT NULL,
    fingerprint VARCHAR NOT NULL,
    status INTEGER NOT NULL,
    body BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
)
"""

_ITEMS = """
CREATE TABLE IF NOT EXISTS items (
    project VARCHAR NOT NULL,
    environment VARCHAR NOT NULL,
    item_id VARCHAR NOT NULL,
    price DOUBLE NOT NULL,
    currency VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    type VARCHAR,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (project, environment, item_id)
)
"""

_USER_LEVELS = """
CREATE TABLE IF NOT EXISTS user_levels (
    project VARCHAR NOT NULL,
    environment VARCHAR NOT NULL,
    user_id VARCHAR NOT NULL,
    level BIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (project, environment, user_id)
)
"""

# Audience members: one row per id per version; a load writes the next version and drops the old
# one in the same transaction (storage/warehouse/audiences.py).
_AUDIENCE_MEMBERS = """
CREATE TABLE IF NOT EXISTS audience_members (
    project VARCHAR NOT NULL,
    environment VARCHAR NOT NULL,
    audience_id BIGINT NOT NULL,
    version INTEGER NOT NULL,
    device_type SMALLINT,
    member_id VARCHAR NOT NULL
)
"""

MIGRATIONS: list[tuple[int, list[str]]] = [
    (
        1,
        [
            _EVENTS,
            _IDEMPOTENCY,
            "CREATE INDEX IF NOT EXISTS idempotency_keys_hash ON idempotency_keys (key_hash)",
            _ITEMS,
            _USER_LEVELS,
        ],
    ),
]

MIGRATIONS.append((2, [_AUDIENCE_MEMBERS]))
# Web collection (tracker) tables: storage/warehouse/collect.py.
MIGRATIONS.append((3, collect.DUCKDB_DDL))

TENANT_TABLES: list[str] = [
    "events",
    "idempotency_keys",
    "items",
    "user_levels",
    "audience_members",
    *collect.TABLE_NAMES,
]

VERSION_TABLE = "warehouse_schema"
