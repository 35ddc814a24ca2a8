"""Event ingestion throughput over HTTP (``POST /v1/actions``), and its ratio to a bare DuckDB insert.

    python bench/events.py [--requests 400] [--warmup 40] [--connections 8]

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
import asyncio
import multiprocessing as mp
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import duckdb
import msgspec
import pyarrow as pa
import pyarrow.compute as pc

from traitbase.config import Settings
from traitbase.domain import admin
from traitbase.domain.bootstrap import first_start
from traitbase.domain.keys import Principal
from traitbase.storage.db import Database, migrate
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


# --- server --------------------------------------------------------------------------------------
def bootstrap(data_dir: Path) -> tuple[str, str]:
    """Migrate a fresh data directory, run the first start and issue an upload key: (project, token)."""
    settings = Settings(data_dir=data_dir, access_log=False, log_level="WARNING")
    migrate(settings)
    db = Database(settings)
    try:
        with db.uow() as s:
            boot = first_start(s, settings, now_iso="2026-01-01T00:00:00Z")
            assert boot is not None
            root = Principal(
                key_id=boot.admin_key_id,
                org_id=boot.org_id,
                project_id=None,
                environment="production",
                scopes=frozenset({"admin", "query", "upload"}),
                plan="free",
                instance_admin=True,
            )
            issued = admin.issue_key(
                s,
                root,
                org_id=None,
                project_id=boot.project_id,
                environment="production",
                name="bench",
                scopes=["upload"],
            )
        return boot.project_id, issued.token
    finally:
        db.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "TRAITBASE_DATA_DIR": str(data_dir),
        "TRAITBASE_ACCESS_LOG": "false",
        "TRAITBASE_LOG_LEVEL": "WARNING",
        "TRAITBASE_JOB_WORKERS": "0",
    }
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "traitbase.app:app_from_env"]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"]
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode} before answering")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.1)
    stop_server(proc)
    raise SystemExit("server did not answer /healthz within 20 s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def cpu_seconds_of(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- load generator (its own process) ------------------------------------------------------------
@dataclass
class LoadResult:
    seconds: float
    requests: int
    failures: list[str]
    latencies_ms: list[float]
    cpu_seconds: float = 0.0


def build_request(port: int, token: str, body: bytes) -> bytes:
    head = (
        f"POST /v1/actions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _connection(port: int, requests: list[bytes], cursor: list[int], out: LoadResult) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while cursor[0] < len(requests):
            req = requests[cursor[0]]
            cursor[0] += 1
            start = time.perf_counter()
            writer.write(req)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            body = await reader.readexactly(length)
            out.latencies_ms.append((time.perf_counter() - start) * 1000)
            if not head.startswith(b"HTTP/1.1 201 ") or b"1000 actions have been" not in body:
                out.failures.append(head.split(b"\r\n", 1)[0].decode() + " " + body[:200].decode(errors="replace"))
    finally:
        writer.close()


async def _phase(port: int, requests: list[bytes], connections: int) -> LoadResult:
    out = LoadResult(seconds=0.0, requests=len(requests), failures=[], latencies_ms=[])
    cursor = [0]
    start = time.perf_counter()
    await asyncio.wait_for(
        asyncio.gather(*(_connection(port, requests, cursor, out) for _ in range(connections))), DEADLINE_S
    )
    out.seconds = time.perf_counter() - start
    return out


def load_generator(port: int, token: str, warmup: int, timed: int, connections: int, pipe: Connection) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    try:
        warm = [build_request(port, token, batch_body(i)) for i in range(warmup)]
        main = [build_request(port, token, batch_body(i)) for i in range(warmup, warmup + timed)]
        result = asyncio.run(_phase(port, warm, connections))
        if not result.failures:
            pipe.send("timed phase starts")
            cpu = time.process_time()
            result = asyncio.run(_phase(port, main, connections))
            result.cpu_seconds = time.process_time() - cpu
        pipe.send(result)
    except BaseException as exc:
        pipe.send(LoadResult(0.0, 0, [f"load generator failed: {exc!r}"], []))


def run_http(
    port: int, token: str, warmup: int, timed: int, connections: int, server_pid: int
) -> tuple[LoadResult, float]:
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=load_generator, args=(port, token, warmup, timed, connections, child))
    proc.start()
    try:
        server_cpu = 0.0
        while True:
            if not parent.poll(DEADLINE_S * 2 + 30):
                raise SystemExit("load generator did not finish in time")
            msg = parent.recv()
            if isinstance(msg, LoadResult):
                return msg, cpu_seconds_of(server_pid) - server_cpu
            server_cpu = cpu_seconds_of(server_pid)
    finally:
        proc.join(5)
        if proc.is_alive():
            proc.kill()


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
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="tb-bench-") as tmp:
        server_dir = Path(tmp, "server")
        project_id, token = bootstrap(server_dir)
        port = free_port()
        server = start_server(server_dir, port)
        try:
            http, server_cpu = run_http(port, token, args.warmup, args.requests, args.connections, server.pid)
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
    lat = sorted(http.latencies_ms)
    p50, p99 = statistics.median(lat), lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    print(f"events push: {args.requests} requests x {BATCH} actions, {args.connections} connections, ")
    print(f"after {args.warmup} warm-up requests; {expected:,} events stored and checked")
    print(
        f"HTTP (uvicorn, 1 process):     {http_rate:>10,.0f} events/s   "
        f"({args.requests / http.seconds:,.0f} requests/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms)"
    )
    print(
        f"CPU during the timed phase: server {server_cpu / http.seconds:.0%} of a core, "
        f"load generator {http.cpu_seconds / http.seconds:.0%} (of {os.cpu_count()} cores)"
    )
    print(f"reference (Arrow -> DuckDB):    {ref_rate:>10,.0f} events/s")
    print(f"ratio HTTP / reference:         {ratio:>10.2f}")
    print(
        f"goals: >= {GOAL_EVENTS_PER_S:,} events/s {'met' if http_rate >= GOAL_EVENTS_PER_S else 'NOT met'}; "
        f"ratio >= {GOAL_RATIO} {'met' if ratio >= GOAL_RATIO else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
