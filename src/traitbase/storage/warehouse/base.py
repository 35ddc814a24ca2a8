"""What every warehouse offers: one writer with group commit, and bounded reads.

The write path takes Arrow tables (built once from validated rows), never row-by-row inserts.
A ``WriteOp`` is one request's worth of work; the writer commits many of them in one
transaction and resolves each op's future only after that commit is durable.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Protocol

import pyarrow as pa

# The one event schema for every source: pushes, PlayFab, KPI files and (later) the web tracker.
# Typed columns for the context analytics filter and group on; everything else goes in
# `properties` (a JSON object). Timestamps are naive UTC.
EVENT_SCHEMA = pa.schema(
    [
        pa.field("project", pa.string(), nullable=False),
        pa.field("environment", pa.string(), nullable=False),
        pa.field("event_time", pa.timestamp("us"), nullable=False),
        pa.field("received_at", pa.timestamp("us"), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("name", pa.string(), nullable=False),
        pa.field("user_id", pa.string()),
        pa.field("visitor_id", pa.string()),
        pa.field("session_id", pa.string()),
        pa.field("event_id", pa.string()),
        pa.field("item_id", pa.string()),
        pa.field("quantity", pa.int64()),
        pa.field("amount", pa.float64()),
        pa.field("currency", pa.string()),
        pa.field("level", pa.int64()),
        pa.field("target_user_id", pa.string()),
        pa.field("platform", pa.string()),
        pa.field("device", pa.string()),
        pa.field("country", pa.string()),
        pa.field("language", pa.string()),
        pa.field("url", pa.string()),
        pa.field("referrer", pa.string()),
        pa.field("flag", pa.string()),
        pa.field("properties", pa.string()),
    ]
)
EVENT_COLUMNS = tuple(EVENT_SCHEMA.names)


def events_table(columns: dict[str, Any], *, rows: int) -> pa.Table:
    """An Arrow table in EVENT_SCHEMA from column arrays or lists; absent columns are all null.

    A scalar (non-list) value is repeated for every row, which is how per-request constants
    (project, environment, kind, receive time) cost nothing per row.
    """
    unknown = set(columns) - set(EVENT_COLUMNS)
    if unknown:
        raise ValueError(f"not event columns: {sorted(unknown)}")
    arrays = []
    for f in EVENT_SCHEMA:
        v = columns.get(f.name)
        if v is None:
            arrays.append(pa.nulls(rows, f.type))
        elif isinstance(v, pa.Array | pa.ChunkedArray):
            arrays.append(v if v.type == f.type else v.cast(f.type))
        elif isinstance(v, list):
            arrays.append(pa.array(v, type=f.type))
        else:
            arrays.append(pa.repeat(pa.scalar(v, type=f.type), rows))
    return pa.Table.from_arrays(arrays, schema=EVENT_SCHEMA)


@dataclass(frozen=True)
class IdempotencyRecord:
    """A remembered answer: stored in the same transaction as the request's rows."""

    project: str
    environment: str
    key: str
    fingerprint: str
    status: int
    body: bytes


@dataclass(frozen=True)
class StoredAnswer:
    status: int
    body: bytes
    fingerprint: str


class WriteTx(Protocol):
    """The writer's open transaction, as a step sees it (steps run on the writer thread)."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    def insert_arrow(
        self, table_name: str, data: pa.Table, *, upsert_keys: Sequence[str] = (), upsert_where: str = ""
    ) -> None: ...


Step = Callable[[WriteTx], Any]
# Runs once per group commit over every op of the group that names it (with each op's payload),
# so per-request writes to many tables become one insert per table per commit.
GroupStep = Callable[[WriteTx, list[Any]], None]


@dataclass
class WriteOp:
    """One request's writes.

    ``step`` runs first inside the group's transaction (catalogue upserts, level checks, deletes);
    if it returns a ``pa.Table`` that table replaces ``events``. ``events`` are then appended
    with every other op's rows in one insert. ``result`` is what the future resolves to.
    """

    events: pa.Table | None = None
    step: Step | None = None
    idempotency: IdempotencyRecord | None = None
    result: Any = None
    group_step: GroupStep | None = None
    payload: Any = None
    payload_rows: int = 0
    rows: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self.rows = (self.events.num_rows if self.events is not None else 0) + self.payload_rows


@dataclass(frozen=True)
class Written:
    """The op's rows are committed and on disk; ``value`` is the op's result (or its step's)."""

    value: Any


@dataclass(frozen=True)
class Replayed:
    """The op's Idempotency-Key was already used: nothing was written; this is the first answer."""

    answer: StoredAnswer


Outcome = Written | Replayed


@dataclass(frozen=True)
class ReadResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool


class Warehouse(Protocol):
    def submit(self, op: WriteOp) -> Future[Outcome]:
        """Queue an op; the future resolves after the commit that holds it is durable."""
        ...

    def submit_async(self, op: WriteOp) -> asyncio.Future[Outcome]:
        """``submit`` from a coroutine: resolved on the caller's event loop, with the rest of its group."""
        ...

    def read(
        self, sql: str, params: Sequence[Any] = (), *, timeout: float | None = None, max_rows: int | None = None
    ) -> ReadResult:
        """Run a read-only query under a time limit and a row cap (Unavailable / truncated beyond)."""
        ...

    def remembered(self, *, project: str, environment: str, key: str) -> StoredAnswer | None:
        """The stored answer for an Idempotency-Key still inside its window, if any."""
        ...

    def ping(self) -> None:
        """Raise if the warehouse cannot answer a trivial read."""
        ...

    def close(self) -> None: ...
