"""Event ingestion throughput over HTTP (``POST /v1/actions``), and its ratio to a bare DuckDB insert.

    python bench/events.py [--requests 400] [--warmup 40] [--connections 8] [--warehouse clickhouse]

(``--warehouse clickhouse``: see ``bench/events_clickhouse.py``.)

The server is a real ``uvicorn`` process on a free 127.0.0.1 port over a fresh data directory;
the load generator is another process driving keep-alive HTTP/1.1 connections (raw asyncio,
prebuilt requests) with 1,000-action batches. Every 201 means the batch's DuckDB commit is on
disk. The reference inserts the very same rows, 1,000 per transaction, into a fresh DuckDB file
of the same schema in this process: it builds the Arrow table from the rows (as Python dicts,
i.e. already decoded), inserts it and commits — the storage work without HTTP, JSON or
validation, and without group commit.

Goals on a 2-core machine: >= 100,000 events/s over HTTP and a ratio >= 0.5 to the reference.
Figures are noisy on a shared machine; the run is bounded and stops the server it started by pid.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import msgspec
import pyarrow as pa
import pyarrow.compute as pc
from harness import Workload, bootstrap, cpu_line, free_port, run_http, start_server, stop_server

from traitbase.storage.warehouse.base import events_table
from traitbase.storage.warehouse.schema import MIGRATIONS

BATCH = 1000
GOAL_EVENTS_PER_S = 100_000
GOAL_RATIO = 0.5
DEADLINE_S = 60.0


def batch_rows(i: int) -> list[dict[str, Any]]:
    """The i-th batch of actions: the same rows for the HTTP run and the reference."""
    return [
        {
            "timestamp": f"2019-01-{1 + (i + j) % 28:02d} {j % 24:02d}:{(i + j) % 60:02d}:05",
            "user_id": f"user-{(i * BATCH + j) % 50_000:06d}",
            "action_id": str(j % 37),
            "action_name": ("buy_item", "start_fight", "open_chest", "level_menu")[j % 4],
            "action_params": [{"key": "item_id", "value": str(3000 + j % 211)}],
        }
        for j in range(BATCH)
    ]


def batch_body(i: int) -> bytes:
    return msgspec.json.encode({"actions": batch_rows(i)})


# --- in-process reference --------------------------------------------------------------------------
def reference_table(rows: list[dict[str, Any]], project: str, now: datetime) -> pa.Table:
    times = pc.strptime(pa.array([r["timestamp"] for r in rows]), format="%Y-%m-%d %H:%M:%S", unit="us")
    return events_table(
        {
            "project": project,
            "environment": "production",
            "received_at": now,
            "event_time": times,
            "kind": "action",
            "user_id": [r["user_id"] for r in rows],
            "event_id": [r["action_id"] for r in rows],
            "name": [r["action_name"] for r in rows],
            "properties": [
                msgspec.json.encode({p["key"]: p["value"] for p in r["action_params"]}).decode() for r in rows
            ],
        },
        rows=len(rows),
    )


def run_reference(path: Path, project_id: str, warmup: int, timed: int) -> float:
    """Seconds to build and insert the timed batches (after the warm-up ones), one commit per batch."""
    conn = duckdb.connect(str(path))
    for _, statements in MIGRATIONS:
        for sql in statements:
            conn.execute(sql)
    batches = [batch_rows(i) for i in range(warmup + timed)]
    elapsed = 0.0
    try:
        for i, rows in enumerate(batches):
            start = time.perf_counter()
            table = reference_table(rows, project_id, datetime.now())
            conn.execute("BEGIN")
            conn.register("batch", table)
            conn.execute("INSERT INTO events SELECT * FROM batch")
            conn.unregister("batch")
            conn.execute("COMMIT")
            if i >= warmup:
                elapsed += time.perf_counter() - start
    finally:
        conn.close()
    return elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=400, help="timed requests (1,000 actions each)")
    ap.add_argument("--warmup", type=int, default=40, help="warm-up requests before timing")
    ap.add_argument("--connections", type=int, default=8, help="keep-alive connections")
    ap.add_argument("--warehouse", choices=["duckdb", "clickhouse"], default="duckdb", help="warehouse engine")
    ap.add_argument("--clickhouse-url", default="clickhouse://127.0.0.1:19000", help="ClickHouse server (native port)")
    args = ap.parse_args()
    if args.warehouse == "clickhouse":
        import events_clickhouse

        work = Workload("/v1/actions", batch_body, 201, b"1000 actions have been", DEADLINE_S)
        return events_clickhouse.main(
            args, batch=BATCH, work=work, table_of=lambda i, project, now: reference_table(batch_rows(i), project, now)
        )

    with tempfile.TemporaryDirectory(prefix="tb-bench-") as tmp:
        server_dir = Path(tmp, "server")
        project_id, token = bootstrap(server_dir)
        port = free_port()
        server = start_server(server_dir, port, TRAITBASE_JOB_WORKERS="0")
        work = Workload("/v1/actions", batch_body, 201, b"1000 actions have been", DEADLINE_S)
        try:
            http, server_cpu = run_http(
                port,
                token,
                work,
                warmup=args.warmup,
                timed=args.requests,
                connections=args.connections,
                server_pid=server.pid,
            )
        finally:
            stop_server(server)
        if http.failures:
            print(f"{len(http.failures)} requests did not answer 201, e.g.: {http.failures[0]}", file=sys.stderr)
            return 1
        stored = duckdb.connect(str(server_dir / "warehouse.duckdb"), read_only=True)
        count = stored.execute("SELECT count(*) FROM events").fetchone()
        stored.close()
        ref_seconds = run_reference(Path(tmp, "reference.duckdb"), project_id, args.warmup, args.requests)

    events = args.requests * BATCH
    expected = (args.requests + args.warmup) * BATCH
    if count is None or count[0] != expected:
        print(f"the server stored {count} events, expected {expected}", file=sys.stderr)
        return 1
    http_rate = events / http.seconds
    ref_rate = events / ref_seconds
    ratio = http_rate / ref_rate
    p50, p99 = http.percentiles()
    print(f"events push: {args.requests} requests x {BATCH} actions, {args.connections} connections, ")
    print(f"after {args.warmup} warm-up requests; {expected:,} events stored and checked")
    print(
        f"HTTP (uvicorn, 1 process):     {http_rate:>10,.0f} events/s   "
        f"({args.requests / http.seconds:,.0f} requests/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms)"
    )
    print(cpu_line(http, server_cpu))
    print(f"reference (Arrow -> DuckDB):    {ref_rate:>10,.0f} events/s")
    print(f"ratio HTTP / reference:         {ratio:>10.2f}")
    print(
        f"goals: >= {GOAL_EVENTS_PER_S:,} events/s {'met' if http_rate >= GOAL_EVENTS_PER_S else 'NOT met'}; "
        f"ratio >= {GOAL_RATIO} {'met' if ratio >= GOAL_RATIO else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
