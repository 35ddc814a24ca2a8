"""Attribute upload throughput through the running HTTP server, and its ratio to a bare upsert.

    python bench/attributes.py [--requests 2000] [--warmup 200] [--connections 16]

The server is a real ``uvicorn`` process on a free 127.0.0.1 port over a fresh data directory;
the load generator is another process driving keep-alive HTTP/1.1 connections with prebuilt
requests (100 users x 20 attributes each). The reference upserts the very same batches, in the
same order, straight into a fresh SQLite store of the same schema and durability settings
(``Database``: WAL + synchronous=FULL), one transaction per batch, in this process.

Goals on a 2-core machine: >= 40,000 users/s over HTTP and a ratio >= 0.3 to the reference.
Figures are noisy on a shared machine; the run is bounded (well under a minute) and stops the
server it started by its pid.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import orjson
from harness import Workload, bootstrap, cpu_line, free_port, run_http, start_server, stop_server

from traitbase.config import Settings
from traitbase.storage.db import Database, migrate
from traitbase.storage.repos.profiles import app_scope, merge_attributes

USERS = 100
ATTRS = [f"attr_{k:02d}" for k in range(20)]
USER_POOL_BATCHES = 1000  # batches beyond this update users created earlier: a mix of inserts and updates
GOAL_USERS_PER_S = 40_000
GOAL_RATIO = 0.3
DEADLINE_S = 45.0

Rows = list[tuple[str, dict[str, str]]]


def batch_rows(i: int) -> Rows:
    """The i-th batch: the same rows for the HTTP run and the reference."""
    base = (i % USER_POOL_BATCHES) * USERS
    return [(f"user-{base + j:07d}", {a: f"v{(i + j + k) % 97}" for k, a in enumerate(ATTRS)}) for j in range(USERS)]


def batch_body(i: int) -> bytes:
    rows = batch_rows(i)
    return orjson.dumps({"field_name": ["user_id", *ATTRS], "values": [[uid, *attrs.values()] for uid, attrs in rows]})


# --- in-process reference ------------------------------------------------------------------------


def run_reference(data_dir: Path, project_id: str, warmup: int, timed: int) -> float:
    """Seconds to upsert the timed batches (after the warm-up ones) straight into SQLite."""
    settings = Settings(data_dir=data_dir, access_log=False, log_level="WARNING")
    migrate(settings)
    db = Database(settings)
    scope = app_scope(project_id)
    elapsed = 0.0
    try:
        for i in range(warmup + timed):
            rows = batch_rows(i)
            start = time.perf_counter()
            with db.engine.connect() as conn, conn.begin():
                merge_attributes(conn, org_id=1, scope=scope, environment="production", rows=rows, now=time.time())
            if i >= warmup:
                elapsed += time.perf_counter() - start
    finally:
        db.dispose()
    return elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=2000, help="timed requests (100 users each)")
    ap.add_argument("--warmup", type=int, default=200, help="warm-up requests before timing")
    ap.add_argument("--connections", type=int, default=16, help="keep-alive connections")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="tb-bench-") as tmp:
        server_dir, ref_dir = Path(tmp, "server"), Path(tmp, "reference")
        project_id, token = bootstrap(server_dir, key_name="bench upload")
        port = free_port()
        server = start_server(server_dir, port)
        work = Workload("/v1/user/profiles", batch_body, 200, b'{"code":200,', DEADLINE_S)
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
            print(f"{len(http.failures)} requests did not answer 200, e.g.: {http.failures[0]}", file=sys.stderr)
            return 1
        ref_seconds = run_reference(ref_dir, project_id, args.warmup, args.requests)

    users = args.requests * USERS
    http_rate = users / http.seconds
    ref_rate = users / ref_seconds
    ratio = http_rate / ref_rate
    p50, p99 = http.percentiles()
    print(
        f"attribute upload: {args.requests} requests x {USERS} users x {len(ATTRS)} attributes, "
        f"{args.connections} connections, after {args.warmup} warm-up requests"
    )
    print(
        f"HTTP (uvicorn, 1 process):   {http_rate:>10,.0f} users/s   "
        f"({args.requests / http.seconds:,.0f} requests/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms)"
    )
    print(cpu_line(http, server_cpu))
    print(f"reference (in-process upsert): {ref_rate:>8,.0f} users/s")
    print(f"ratio HTTP / reference:        {ratio:>8.2f}")
    print(
        f"goals: >= {GOAL_USERS_PER_S:,} users/s {'met' if http_rate >= GOAL_USERS_PER_S else 'NOT met'}; "
        f"ratio >= {GOAL_RATIO} {'met' if ratio >= GOAL_RATIO else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
