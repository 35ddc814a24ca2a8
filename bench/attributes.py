"""Attribute upload throughput through the running HTTP server, and its ratio to a raw upsert.

    python bench/attributes.py [--requests 2000] [--warmup 200] [--connections 16]

The server is a real ``uvicorn`` process on a free 127.0.0.1 port over a fresh data directory;
the load generator is another process driving keep-alive HTTP/1.1 connections with prebuilt
requests (100 users x 20 attributes each).

First line: every user id is new and random (UUID-shaped, like real ids). Second line: the old
friendly workload, a pool of 100,000 ids reused (inserts, then updates of earlier users).

The reference is raw ``sqlite3`` upserting the very same batches, in the same order, into the
best layout measured (a rowid table with a unique index on the key, ``json_patch`` merge, WAL +
synchronous=FULL and the server's WAL checkpoint size), measured in the same run: one
transaction per batch (the ratio's reference) and, for context, 16 batches per transaction
(what a perfect group commit of 16 connections could reach).

Goals on a 2-core machine (issue 15): >= 40,000 users/s with unique random ids over HTTP and a
ratio >= 0.5 to the reference. Figures are noisy on a shared machine; the run is bounded and
stops the servers it started by their pids.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from pathlib import Path

import orjson
from harness import Workload, bootstrap, cpu_line, free_port, run_http, start_server, stop_server

from traitbase.config import Settings

USERS = 100
ATTRS = [f"attr_{k:02d}" for k in range(20)]
USER_POOL_BATCHES = 1000  # repeated-id workload: batches beyond this update users created earlier
GOAL_USERS_PER_S = 40_000
GOAL_RATIO = 0.5
DEADLINE_S = 60.0

Rows = list[tuple[str, dict[str, str]]]


def _attrs(i: int, j: int) -> dict[str, str]:
    return {a: f"v{(i + j + k) % 97}" for k, a in enumerate(ATTRS)}


def random_rows(i: int) -> Rows:
    """The i-th batch of the default workload: 100 new random UUID-shaped ids (seeded per batch)."""
    rnd = random.Random(i)
    return [(str(uuid.UUID(int=rnd.getrandbits(128), version=4)), _attrs(i, j)) for j in range(USERS)]


def repeated_rows(i: int) -> Rows:
    """The i-th batch of the repeated-id workload: a pool of 100,000 sequential ids reused."""
    base = (i % USER_POOL_BATCHES) * USERS
    return [(f"user-{base + j:07d}", _attrs(i, j)) for j in range(USERS)]


def _body(rows: Rows) -> bytes:
    return orjson.dumps({"field_name": ["user_id", *ATTRS], "values": [[uid, *attrs.values()] for uid, attrs in rows]})


def random_body(i: int) -> bytes:
    return _body(random_rows(i))


def repeated_body(i: int) -> bytes:
    return _body(repeated_rows(i))


# --- raw sqlite3 reference -----------------------------------------------------------------------

_SCHEMA = (
    "CREATE TABLE user_profiles (id INTEGER PRIMARY KEY, org_id INTEGER NOT NULL, scope TEXT NOT NULL, "
    "environment TEXT NOT NULL, user_id TEXT NOT NULL, attrs JSON NOT NULL, created_at REAL NOT NULL, "
    "updated_at REAL NOT NULL)",
    "CREATE UNIQUE INDEX uq_user_profiles_key ON user_profiles (org_id, scope, environment, user_id)",
)
_UPSERT = (
    "INSERT INTO user_profiles (org_id, scope, environment, user_id, attrs, created_at, updated_at) VALUES {rows} "
    "ON CONFLICT (org_id, scope, environment, user_id) DO UPDATE SET "
    "attrs = json_patch(user_profiles.attrs, excluded.attrs), updated_at = excluded.updated_at"
)


def run_reference(path: Path, make_rows: object, warmup: int, timed: int, per_commit: int) -> float:
    """Seconds raw sqlite3 takes to upsert the timed batches (after the warm-up ones), ``per_commit`` a commit."""
    assert callable(make_rows)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(f"PRAGMA wal_autocheckpoint={Settings().sqlite_wal_autocheckpoint_pages}")  # as the server
    for ddl in _SCHEMA:
        conn.execute(ddl)
    statement = _UPSERT.format(rows=", ".join(["(?, ?, ?, ?, ?, ?, ?)"] * USERS))
    batches = [make_rows(i) for i in range(warmup + timed)]
    elapsed = 0.0
    try:
        for start in range(0, len(batches), per_commit):
            group = batches[start : start + per_commit]
            began = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            for rows in group:
                now = time.time()
                params: list[object] = []
                for uid, attrs in rows:
                    params.extend((1, "app:bench", "production", uid, orjson.dumps(attrs).decode(), now, now))
                conn.execute(statement, params)
            conn.execute("COMMIT")
            if start >= warmup:
                elapsed += time.perf_counter() - began
    finally:
        conn.close()
    return elapsed


def http_run(tmp: Path, name: str, body: object, args: argparse.Namespace) -> float:
    """Users/s over HTTP for one workload (a fresh server and data directory); prints its lines."""
    assert callable(body)
    server_dir = tmp / name
    _, token = bootstrap(server_dir, key_name="bench upload")
    port = free_port()
    server = start_server(server_dir, port)
    work = Workload("/v1/user/profiles", body, 200, b'{"code":200,', DEADLINE_S)
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
        raise SystemExit(f"{len(http.failures)} requests did not answer 200, e.g.: {http.failures[0]}")
    rate = args.requests * USERS / http.seconds
    p50, p99 = http.percentiles()
    print(
        f"HTTP, {name + ' ids:':<16} {rate:>10,.0f} users/s   "
        f"({args.requests / http.seconds:,.0f} requests/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms)"
    )
    print("  " + cpu_line(http, server_cpu))
    return rate


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=2000, help="timed requests (100 users each)")
    ap.add_argument("--warmup", type=int, default=200, help="warm-up requests before timing")
    ap.add_argument("--connections", type=int, default=16, help="keep-alive connections")
    args = ap.parse_args()
    users = args.requests * USERS
    print(
        f"attribute upload: {args.requests} requests x {USERS} users x {len(ATTRS)} attributes, "
        f"{args.connections} connections, after {args.warmup} warm-up requests"
    )
    with tempfile.TemporaryDirectory(prefix="tb-bench-") as name:
        tmp = Path(name)
        rate = http_run(tmp, "random", random_body, args)
        repeated = http_run(tmp, "repeated", repeated_body, args)
        ref = users / run_reference(tmp / "ref-1.db", random_rows, args.warmup, args.requests, per_commit=1)
        grouped = users / run_reference(tmp / "ref-16.db", random_rows, args.warmup, args.requests, per_commit=16)
    ratio = rate / ref
    print(f"reference, raw sqlite3, random ids, 1 batch a commit:   {ref:>10,.0f} users/s")
    print(f"reference, raw sqlite3, random ids, 16 batches a commit: {grouped:>9,.0f} users/s")
    print(f"ratio HTTP / reference (random ids): {ratio:.2f}   (to 16 a commit: {rate / grouped:.2f})")
    print(f"repeated ids / random ids over HTTP: {repeated / rate:.2f}")
    print(
        f"goals: >= {GOAL_USERS_PER_S:,} users/s {'met' if rate >= GOAL_USERS_PER_S else 'NOT met'}; "
        f"ratio >= {GOAL_RATIO} {'met' if ratio >= GOAL_RATIO else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
