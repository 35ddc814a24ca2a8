"""ClickHouse warehouse (scale mode): any number of processes share one server.

Writes: each process has one batching writer (``storage.batching``'s queue, shared with the
embedded writers); ``apply(batch)`` is the ClickHouse-specific part: a group of requests becomes
a few large columnar inserts. There are no transactions, so exactly-once rests on batch ids
(docs/warehouse.md, "Exactly once on ClickHouse"):

1. a request with an Idempotency-Key gets the batch id ``key_hash`` (deterministic), others a uuid;
2. its key is recorded ``pending`` (one insert for the group) before any of its rows;
3. its rows carry the batch id; one insert for the whole group. ClickHouse writes one part per
   partition (month) of an insert block, atomically, so per (batch, month) the rows are all there
   or none are;
4. the key is recorded ``done`` with the answer; only then is the request answered.

A retry that finds ``done`` replays the answer. One that finds only a ``pending`` younger than
``pending_timeout`` is told the first attempt is still in flight (409, retry). An older
``pending`` means that attempt died between 2 and 4: the retry adopts the batch id and inserts
only the months that have no row of that batch yet, then records ``done``.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

import traitbase.storage.warehouse.ch_audiences  # noqa: F401  (registers the ClickHouse audience loader)
from traitbase.errors import Conflict, Unavailable
from traitbase.storage.batching import Failed, GroupCommitQueue
from traitbase.storage.sql import render
from traitbase.storage.warehouse.base import (
    EVENT_COLUMNS,
    GroupStep,
    IdempotencyRecord,
    Outcome,
    ReadResult,
    Replayed,
    StoredAnswer,
    WriteOp,
    Written,
)
from traitbase.storage.warehouse.chclient import ClickHouseClient, ClickHouseTimeout, connect
from traitbase.storage.warehouse.chschema import (
    MIGRATION_SETTINGS,
    MIGRATIONS,
    UPSERT_TABLES,
    VERSION_DDL,
    VERSION_TABLE,
)
from traitbase.storage.warehouse.chtx import ChTx, column_values, present_columns
from traitbase.storage.warehouse.collect_chwrite import register as _register_tracker_steps
from traitbase.storage.warehouse.duckdb import key_hash

_register_tracker_steps()

log = logging.getLogger(__name__)

PENDING, DONE = 0, 1
_IDEM_COLUMNS = ("key_hash", "project", "environment", "idem_key", "fingerprint", "status", "body", "created_at")
_SORT_KEYS = [
    ("project", "ascending"),
    ("environment", "ascending"),
    ("kind", "ascending"),
    ("name", "ascending"),
    ("event_time", "ascending"),
]


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _seconds(ts: datetime) -> datetime:
    return ts.replace(microsecond=0)


def migrate(client: ClickHouseClient) -> int:
    """Create the database if needed and apply every pending schema step; returns the version in place."""
    client.command(VERSION_DDL)
    rows = client.query(f"SELECT max(version) FROM {VERSION_TABLE}").rows
    current = int(rows[0][0] or 0) if rows else 0
    for version, statements in MIGRATIONS:
        if version <= current:
            continue
        for sql in statements:
            client.command(sql, settings=MIGRATION_SETTINGS)
        client.insert_columns(VERSION_TABLE, ["version", "applied_at"], [[version], [_seconds(_utcnow())]])
        current = version
    return current


@dataclass
class _Claim:
    digest: str
    record: IdempotencyRecord
    attempt: str
    created_at: datetime
    adopted: bool


class ClickHouseWarehouse:
    def __init__(
        self,
        url: str,
        *,
        max_batch_ops: int = 256,
        max_batch_rows: int = 200_000,
        linger: float = 0.005,
        read_timeout: float = 30.0,
        read_max_rows: int = 100_000,
        idempotency_ttl: float = 24 * 3600,
        pending_timeout: float = 30.0,
        mutation_timeout: float = 300.0,
        client: ClickHouseClient | None = None,
    ) -> None:
        self.url = url
        self.client = client or connect(url)
        self._ensure_database()
        self.schema_version = migrate(self.client)
        self._read_timeout = read_timeout
        self._read_max_rows = read_max_rows
        self._ttl = idempotency_ttl
        self._pending_timeout = pending_timeout
        self._mutation_timeout = mutation_timeout
        # ClickHouse wants few large inserts: a group also waits up to ``linger`` s for more requests.
        self._writer: GroupCommitQueue[WriteOp] = GroupCommitQueue(
            lambda ops: [Failed(r) if isinstance(r, BaseException) else r for r in self.apply(ops)],
            name="warehouse-writer",
            max_items=max_batch_ops,
            max_weight=max_batch_rows,
            weight=lambda op: op.rows,
            on_idle=self.expire,
            linger=linger,
        )

    def _ensure_database(self) -> None:
        db = self.client.database
        if db == "default" or not hasattr(self.client, "without_database"):
            return
        admin = self.client.without_database()
        try:
            admin.command(f"CREATE DATABASE IF NOT EXISTS `{db}`")
        finally:
            admin.close()

    # --- writes -----------------------------------------------------------------------------
    def submit(self, op: WriteOp) -> Future[Outcome]:
        return self._writer.submit(op)

    def submit_async(self, op: WriteOp) -> asyncio.Future[Outcome]:
        return self._writer.submit_async(op)

    def apply(self, batch: Sequence[WriteOp]) -> list[Outcome | Exception]:
        """Write one group: pending keys, steps, one events insert, done keys (module docstring)."""
        now = _utcnow()
        claims, outcomes = self._claim(batch, now)
        tx = ChTx(self)
        tables: list[pa.Table] = []
        grouped: dict[GroupStep, list[Any]] = {}
        for i, op in enumerate(batch):
            if outcomes[i] is not None:
                continue
            if op.group_step is not None:
                grouped.setdefault(op.group_step, []).append(op.payload)
            events = op.events
            got = op.step(tx) if op.step is not None else None
            if isinstance(got, pa.Table):
                events = got
            # Read after the step, as on DuckDB: a step may settle the op's result and remembered answer.
            value = got if got is not None and not isinstance(got, pa.Table) else op.result
            claim = claims.get(i)
            if claim is not None and op.idempotency is not None:
                claim.record = op.idempotency
            if events is not None and events.num_rows:
                batch_id = claim.digest if claim is not None else uuid.uuid4().hex
                events = events.append_column("batch_id", pa.repeat(pa.scalar(batch_id), events.num_rows))
                if claim is not None and claim.adopted:
                    events = self._missing_months(events, batch_id)
                if events.num_rows:
                    tables.append(events)
            outcomes[i] = Written(value)
        # Group steps (the tracker's visit assignment) see every payload of the group at once, as on DuckDB.
        for group_step, payloads in grouped.items():
            group_step(tx, payloads)
        for write in tx.deferred:
            write()
        if tables:
            combined = (tables[0] if len(tables) == 1 else pa.concat_tables(tables)).sort_by(_SORT_KEYS)
            names = present_columns(combined, [*EVENT_COLUMNS, "batch_id"])
            self.client.insert_columns("events", names, [column_values(combined, c) for c in names])
        if claims:
            self._record(list(claims.values()), DONE)
        return [o for o in outcomes if o is not None]

    def _claim(
        self, batch: Sequence[WriteOp], now: datetime
    ) -> tuple[dict[int, _Claim], list[Outcome | Exception | None]]:
        """Resolve every Idempotency-Key of the group; record the new ones as pending."""
        outcomes: list[Outcome | Exception | None] = [None] * len(batch)
        digests = {
            i: key_hash(op.idempotency.project, op.idempotency.environment, op.idempotency.key)
            for i, op in enumerate(batch)
            if op.idempotency is not None
        }
        if not digests:
            return {}, outcomes
        known = self._lookup(sorted(set(digests.values())), now)
        claims: dict[int, _Claim] = {}
        first_in_group: dict[str, int] = {}
        for i, digest in digests.items():
            record = batch[i].idempotency
            assert record is not None
            if digest in first_in_group:
                # The same key twice in one group: the second replays the first's answer.
                prior = claims[first_in_group[digest]].record
                outcomes[i] = Replayed(StoredAnswer(prior.status, prior.body, prior.fingerprint))
                continue
            rows = known.get(digest, [])
            done = [r for r in rows if r["state"] == DONE]
            if done:
                d = min(done, key=lambda r: r["created_at"])
                outcomes[i] = Replayed(StoredAnswer(int(d["status"]), bytes(d["body"]), str(d["fingerprint"])))
                continue
            pending = [r for r in rows if r["state"] == PENDING]
            if any((now - r["created_at"]).total_seconds() < self._pending_timeout for r in pending):
                outcomes[i] = Conflict("a request with this Idempotency-Key is still being stored; retry it shortly")
                continue
            first_in_group[digest] = i
            claims[i] = _Claim(digest, record, uuid.uuid4().hex, _seconds(now), adopted=bool(pending))
        if claims:
            self._record(list(claims.values()), PENDING)
        return claims, outcomes

    def _lookup(self, digests: list[str], now: datetime) -> dict[str, list[dict[str, Any]]]:
        if self._ttl <= 0:
            return {}
        cutoff = _seconds(now - timedelta(seconds=self._ttl))
        sql = render(
            "SELECT key_hash, state, status, body, fingerprint, created_at FROM idempotency_keys "
            "WHERE list_contains(?, key_hash) AND created_at >= ?",
            [digests, cutoff],
            "clickhouse",
        )
        found: dict[str, list[dict[str, Any]]] = {}
        res = self.client.query(sql)
        for row in res.rows:
            rec = dict(zip(res.columns, row, strict=True))
            rec["body"] = rec["body"].encode() if isinstance(rec["body"], str) else rec["body"]
            found.setdefault(str(rec["key_hash"]), []).append(rec)
        return found

    def _record(self, claims: list[_Claim], state: int) -> None:
        revision = time.time_ns()
        self.client.insert_columns(
            "idempotency_keys",
            [*_IDEM_COLUMNS, "state", "attempt", "revision"],
            [
                [c.digest for c in claims],
                [c.record.project for c in claims],
                [c.record.environment for c in claims],
                [c.record.key for c in claims],
                [c.record.fingerprint for c in claims],
                [c.record.status for c in claims],
                [c.record.body.decode("utf-8", "replace") for c in claims],
                [c.created_at for c in claims],
                [state] * len(claims),
                [c.attempt for c in claims],
                [revision + state] * len(claims),
            ],
        )

    def _missing_months(self, events: pa.Table, batch_id: str) -> pa.Table:
        """An adopted batch: drop the rows of months the dead attempt already stored (all or none each)."""
        project = events["project"][0].as_py()
        environment = events["environment"][0].as_py()
        stored = {
            int(r[0])
            for r in self.client.query(
                render(
                    "SELECT DISTINCT toYYYYMM(event_time) FROM events WHERE project = ? AND environment = ? "
                    "AND batch_id = ?",
                    [project, environment, batch_id],
                    "clickhouse",
                )
            ).rows
        }
        if not stored:
            return events
        months = [t.year * 100 + t.month for t in events["event_time"].to_pylist()]
        keep = pa.array([m not in stored for m in months])
        return events.filter(pc.equal(keep, True))

    def delete_where(self, alter_delete: str) -> int:
        """Run an ``ALTER TABLE t DELETE WHERE c`` mutation, wait until it is done; returns rows matched."""
        table, cond = alter_delete[len("ALTER TABLE ") :].split(" DELETE WHERE ", 1)
        final = " FINAL" if table in UPSERT_TABLES else ""
        count = int(self.client.query(f"SELECT count() FROM {table}{final} WHERE {cond}").rows[0][0])
        if count == 0:
            return 0
        self.client.command(alter_delete)
        self.wait_mutations(table)
        return count

    def wait_mutations(self, table: str) -> None:
        """Return once no mutation of ``table`` is left unfinished (Unavailable past the mutation timeout)."""
        deadline = time.monotonic() + self._mutation_timeout
        while True:
            # 18.16 has no mutations_sync: poll until no mutation of the table is left unfinished.
            left = self.client.query(
                render(
                    "SELECT count(*) FROM system.mutations WHERE database = ? AND table = ? AND is_done = 0",
                    [self.client.database, table],
                    "clickhouse",
                )
            ).rows
            if int(left[0][0]) == 0:
                return
            if time.monotonic() > deadline:
                raise Unavailable(f"changing {table} is still running; it will finish in the background")
            time.sleep(0.05)

    def expire(self) -> None:
        """Drop idempotency partitions (days) entirely older than the window; lookups filter the rest."""
        cutoff = (_utcnow() - timedelta(seconds=self._ttl) - timedelta(days=1)).strftime("%Y%m%d")
        res = self.client.query(
            render(
                "SELECT DISTINCT partition FROM system.parts WHERE database = ? AND table = ? AND active = 1",
                [self.client.database, "idempotency_keys"],
                "clickhouse",
            )
        )
        for (partition,) in res.rows:
            if str(partition) < cutoff:
                self.client.command(f"ALTER TABLE idempotency_keys DROP PARTITION {int(partition)}")

    # --- reads ------------------------------------------------------------------------------
    def read(
        self, sql: str, params: Sequence[Any] = (), *, timeout: float | None = None, max_rows: int | None = None
    ) -> ReadResult:
        limit = self._read_max_rows if max_rows is None else max_rows
        seconds = self._read_timeout if timeout is None else timeout
        text = render(sql, params, "clickhouse", final_tables=UPSERT_TABLES)
        settings = {
            "max_execution_time": max(1, int(seconds + 0.999)),
            "timeout_overflow_mode": "throw",
            "max_result_rows": limit + 1,
            "result_overflow_mode": "break",
        }
        try:
            res = self.client.query(text, settings=settings)
        except ClickHouseTimeout:
            raise Unavailable(f"the query took longer than {seconds:g} s and was stopped", retry_after=1) from None
        return ReadResult(columns=res.columns, rows=res.rows[:limit], truncated=len(res.rows) > limit)

    def remembered(self, *, project: str, environment: str, key: str) -> StoredAnswer | None:
        rows = self._lookup([key_hash(project, environment, key)], _utcnow())
        done = [r for rs in rows.values() for r in rs if r["state"] == DONE]
        if not done:
            return None
        d = min(done, key=lambda r: r["created_at"])
        return StoredAnswer(status=int(d["status"]), body=bytes(d["body"]), fingerprint=str(d["fingerprint"]))

    def ping(self) -> None:
        self.client.ping()

    def close(self) -> None:
        self._writer.close()
        self.client.close()
